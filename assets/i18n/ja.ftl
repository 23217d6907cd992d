## assist
assist-contrast = 白黒をはっきり（高コントラスト）
assist-done = 閉じる
assist-large = 文字とボタンを大きく
assist-low = 低い位置で操作
assist-note = この方のご利用中だけ有効です。終わると元に戻ります。
assist-off = オフ
assist-on = オン
assist-open = 見やすさ・操作の補助
assist-time = 時間をゆっくり（2倍）
assist-voice = 音声案内
assist-volume = 音量
assist-title = 見やすさ・操作の補助

## common
common-back = 戻る
common-cancel = やめる
common-continue = 続ける
common-finish = 終了

## consent
consent-agree = 同意する
consent-conditions = ご利用の条件
consent-decline = 同意しない
consent-know-auth = 署名用電子証明書のパスワード（英数字6〜16文字）がわかること
consent-know-signing = 利用者証明用電子証明書の暗証番号（数字4桁）がわかること
consent-privacy = 入力したパスワードは、この機械にも店舗にも記録されません。個人情報保護のため、店員は操作をお手伝いできません。
consent-reservation = 「JPKI暗証番号リセット」アプリで再設定を予約し、24時間以内であること
consent-title = ご利用の前にお読みください
consent-valid = 電子証明書が有効期限内で、失効していないこと
consent-what-auth = マイナンバーカードの利用者証明用電子証明書の暗証番号を、新しく設定し直します。
consent-what-signing = マイナンバーカードの署名用電子証明書のパスワードを、新しく設定し直します。

## demo
demo-empty = カード置き場：なし
demo-note = デモ用の仮想カード
demo-on-reader =
    カード置き場：{ $card }
    利用者証明用 あと { $auth } 回
    署名用 あと { $signing } 回
demo-place = カードを置く
demo-pull = カードを取る
demo-title = デモ

## done
done-message = 新しいパスワードは、マイナンバーカードを使うオンライン手続きでご利用ください。
done-title-auth = 利用者証明用電子証明書の暗証番号を再設定しました
done-title-signing = 署名用電子証明書のパスワードを再設定しました

## error
error-card-moved-guide = もう一度最初からやり直してください。手続きが終わるまでカードを動かさないでください。
error-card-moved-title = カードが取り外されました
error-card-unresponsive-guide = カードを置き直して、もう一度最初からやり直してください。カードの内容は変更されていません。
error-card-unresponsive-title = カードが応答しませんでした
error-centre-guide = しばらくしてから、もう一度お試しください。カードの内容は変更されていません。
error-centre-title = センターに接続できませんでした
error-cert-expired-guide = お住まいの市区町村の窓口で、電子証明書の更新の手続きをしてください。
error-cert-expired-title = 電子証明書の有効期限が切れています
error-cert-revoked-guide = 住所や氏名の変更などで失効した可能性があります。お住まいの市区町村の窓口で、電子証明書の発行の手続きをしてください。
error-cert-revoked-title = 電子証明書が失効しています
error-cert-untrusted-guide = お住まいの市区町村の窓口にご相談ください。
error-cert-untrusted-title = 電子証明書を確認できませんでした
error-maintenance-guide = しばらくしてから、もう一度お試しください。カードの内容は変更されていません。
error-maintenance-title = ただいまメンテナンス中です
error-next = 次にすること
error-no-reservation-guide = 「JPKI暗証番号リセット」アプリで再設定を予約してから、24時間以内にもう一度お越しください。
error-no-reservation-title = 再設定の予約が見つかりません
error-no-signing-cert-guide = 15歳未満の方のカードなど、署名用電子証明書のないカードでは再設定できません。お住まいの市区町村の窓口にご相談ください。
error-no-signing-cert-guide-auth = 利用者証明用の暗証番号の再設定では、署名用電子証明書のパスワードで本人確認をします。15歳未満の方のカードなど、署名用電子証明書のないカードでは、お住まいの市区町村の窓口で再設定してください。
error-no-signing-cert-title = 署名用電子証明書が搭載されていません
error-not-changed-guide = カードは新しいパスワードを受け付けませんでした。これまでのパスワードのままです。予約は引き続き使えますので、もう一度最初からお手続きください。
error-not-changed-title = パスワードは変更されませんでした
error-not-mynumber-guide = カードの向きを確かめて、もう一度置いてください。何度も読み取れない場合は、カードが破損しているおそれがあります。お住まいの市区町村の窓口にご相談ください。
error-not-mynumber-title = マイナンバーカードを読み取れませんでした
error-outside-hours-guide = ご利用時間は { $start }〜{ $end } です。時間内にもう一度お越しください。
error-outside-hours-title = サービス時間外です
error-pin-locked-guide = このキオスクでは解除できません。マイナンバーカードと本人確認書類を持って、お住まいの市区町村の窓口で手続きしてください。
error-pin-locked-guide-for-auth-reset = 署名用電子証明書のパスワードがロックされているため、本人確認ができず、このキオスクでは再設定できません。マイナンバーカードと本人確認書類を持って、お住まいの市区町村の窓口で手続きしてください。
error-pin-locked-title-auth = 利用者証明用電子証明書の暗証番号がロックされています
error-pin-locked-title-signing = 署名用電子証明書のパスワードがロックされています
error-reader-fault-guide = 手続きを中断しました。カードをお取りください。この機械はしばらく使えません。別の店舗の機械でもう一度お試しください。
error-reader-fault-title = カード読取機に問題が起きました
error-reservation-expired-guide = 「JPKI暗証番号リセット」アプリでもう一度予約してから、24時間以内にお越しください。
error-reservation-expired-title = 予約の有効期限（24時間）が過ぎています
error-reservation-in-use-guide = 数分待ってから、もう一度お試しください。
error-reservation-in-use-title = この予約は処理中です
error-reservation-used-guide = 再設定はすでに完了しています。もう一度再設定するには、アプリで新しく予約してください。
error-reservation-used-title = この予約はすでに使われています
error-unconfirmed-guide = パスワードが変更されたかどうかを確認できませんでした。しばらくしてから、新しいパスワードでお試しください。使えない場合は、アプリで予約の状況を確かめてください。
error-unconfirmed-title = 処理の結果を確認できませんでした
error-unexpected-guide = もう一度最初からやり直してください。繰り返し完了できない場合は、お住まいの市区町村の窓口にご相談ください。
error-unexpected-title = 手続きを完了できませんでした
error-wrong-kind-guide = 別のパスワードの再設定が予約されています。アプリで、このパスワードの再設定を予約し直してください。
error-wrong-kind-title-auth = 利用者証明用パスワードの予約がありません
error-wrong-kind-title-signing = 署名用パスワードの予約がありません

## header
header-service = マルチコピー機
header-step = 手順 { $n } / 8

## insert
insert-hold = 手続きが終わるまで、カードを動かさないでください。
insert-instruction = 顔写真のある面を上にして、カード置き場に置いてください。
insert-reading = カードを読み取っています…
insert-title = マイナンバーカードを置いてください

## language
language-choose = 言語
language-name = 日本語
language-title = 言語を選んでください

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = 確認のため、同じものをもう一度入力してください
new-mismatch = 1回目と一致しませんでした。もう一度、1回目から入力してください。
new-next = 次へ
new-rule-digit = 数字（0〜9）を1文字以上
new-rule-four-digits = 数字4桁
new-rule-length = 6〜16文字
new-rule-letter = 英字（A〜Z）を1文字以上
new-set = 設定する
new-title-auth = 新しい利用者証明用電子証明書の暗証番号（数字4桁）を入力してください
new-title-signing = 新しい署名用電子証明書のパスワードを入力してください

## out_of_service
out-of-service-guide = 機械の点検が必要です。ご迷惑をおかけして申し訳ありません。
out-of-service-title = ただいまご利用いただけません

## pin
pin-checking = 確認しています…
pin-clear = 全部消す
pin-confirm = 確定
pin-delete = 1字消す
pin-last-try = 次に間違えるとロックされます。ロックされると、市区町村の窓口での手続きが必要になります。
pin-title-auth = 利用者証明用電子証明書の暗証番号（数字4桁）を入力してください
pin-title-signing = 署名用電子証明書のパスワード（英数字6〜16文字）を入力してください
pin-tries = 入力できる回数：あと { $n } 回
pin-wrong-auth = 暗証番号が違います。
pin-wrong-signing = パスワードが違います。
pin-wrong-last-try-auth = 暗証番号が違います。次に間違えるとロックされます。
pin-wrong-last-try-signing = パスワードが違います。次に間違えるとロックされます。

## processing
processing-hold = カードを動かさないでください
processing-title = 処理しています

## remove
remove-cancelled = 手続きを中止しました。
remove-done = 再設定が完了しました。
remove-escalated = カードが置かれたままです。カードをお取りください。
remove-reminder = カードの取り忘れにご注意ください。
remove-timed-out = 一定時間操作がなかったため、手続きを終了しました。
remove-title = カードをお取りください

## reset_menu
reset-menu-auth = 利用者証明用パスワードの初期化・再設定
reset-menu-auth-note = 利用者証明用電子証明書の暗証番号（数字4桁）
reset-menu-signing = 署名用パスワードの初期化・再設定
reset-menu-signing-note = 署名用電子証明書のパスワード（英数字6〜16文字）
reset-menu-title = マイナンバーカードのパスワード再設定

## services
services-certificates = 証明書の交付
services-certificates-note = 住民票の写しなど（このキオスクでは利用できません）
services-password-reset = マイナンバーカードのパスワード再設定
services-password-reset-note = 電子証明書のパスワードをお忘れの方・ロックされた方
services-title = 行政サービス

## staff
staff-back-in-service = 再開する
staff-checking = 確認しています…
staff-counters-cancelled = 利用者が中止
staff-counters-completed = 再設定完了
staff-counters-error = エラー：{ $reason }
staff-counters-note = 今日（日本時間）と、保存されている記録全体の件数です。個人を特定する情報は記録していません。
staff-counters-passcode-failures = パスコード誤り
staff-counters-refused = 受付不可：{ $reason }
staff-counters-sessions = 利用開始
staff-counters-tally = 今日 { $today } 件 / 累計 { $total } 件
staff-counters-timed-out = 時間切れ
staff-event-card = カード
staff-event-passcode-failed = パスコード誤り（{ $n } 回連続、ロック { $seconds } 秒）
staff-event-reader-back = 読取機が使えるようになりました
staff-event-reader-lost = 読取機が使えなくなりました
staff-event-session-end = 利用終了（{ $kind }）：{ $outcome }
staff-event-session-start = 利用開始（{ $kind }）
staff-event-staff-action = 係員の操作：{ $action }
staff-event-staff-entry = 係員が保守モードに入りました
staff-event-staff-exit = 係員が保守モードを終了しました
staff-event-staff-exit-idle = 保守モードを自動終了しました（5分間操作なし）
staff-event-started = キオスク起動（{ $version }）
staff-exit = 保守モードを終了
staff-health-absent = 見つかりません
staff-health-audit-broken = 休止中：監査ログに書き込めません（{ $error }）
staff-health-card = カード
staff-health-card-off = 置かれていません
staff-health-card-on = 置かれています
staff-health-centre = 再設定センター
staff-health-centre-error = 接続できません：{ $error }
staff-health-centre-maintenance = 接続できます（センターは保守中です）
staff-health-centre-ok = 接続できます
staff-health-config = 設定ファイル
staff-health-heard = センターからの確認
staff-health-heard-at = { $time } に確認されました
staff-health-heard-not-yet = まだ確認されていません
staff-health-in-service = 稼働中
staff-health-not-heard = { $time } から確認されていません（{ $reason }）
staff-health-out-of-service = 休止中（係員が設定）
staff-health-pcsc = PC/SC サービス
staff-health-pcsc-error = 応答なし：{ $error }
staff-health-pcsc-ok = 応答あり（読取機 { $n } 台：{ $names }）
staff-health-present = 接続されています
staff-health-problem-protocol = センターの応答を読み取れません
staff-health-problem-refused = センターが断りました
staff-health-problem-timeout = 応答がありません
staff-health-problem-unknown-kiosk = センターがこの機械を認めていません
staff-health-problem-unreachable = 接続できません
staff-health-reader = カード読取機
staff-health-service = 運用状態
staff-health-software = ソフトウェア
staff-health-store = 店舗 ID
staff-health-uptime = 稼働時間
staff-health-uptime-value = { $h } 時間 { $m } 分
staff-kind-auth = 利用者証明用
staff-kind-signing = 署名用
staff-login-locked = 続けて間違えたため、ロックしています。あと { $n } 秒お待ちください。
staff-login-not-configured = 係員用パスコードが設定されていません。kiosk-app set-staff-passcode で設定してください。
staff-login-prompt = 係員用パスコード（数字6〜12桁）を入力してください
staff-login-title = 保守モード
staff-login-wrong = パスコードが違います。
staff-out-of-service = 休止にする
staff-outcome-cancelled = 中止
staff-outcome-completed = 完了
staff-outcome-failed = エラー
staff-outcome-refused = 受付不可
staff-outcome-timed-out = 時間切れ
staff-page-counters = 件数
staff-page-events = 最近の記録
staff-page-health = 機器の状態
staff-page-self-test = 読取機テスト
staff-reason-back-in-service = 再開した
staff-reason-card-moved = カードが動いた
staff-reason-card-unreadable = カードを読み取れない
staff-reason-card-unresponsive = カードの応答なし
staff-reason-centre-unreachable = センターに接続できない
staff-reason-cert-expired = 証明書の期限切れ
staff-reason-cert-revoked = 証明書の失効
staff-reason-cert-untrusted = 証明書を確認できない
staff-reason-maintenance = センター保守中
staff-reason-no-reservation = 予約なし
staff-reason-no-signing-certificate = 署名用電子証明書なし
staff-reason-not-changed = 変更されず（再試行可）
staff-reason-not-my-number-card = マイナンバーカードではない
staff-reason-out-of-service = 休止にした
staff-reason-outside-hours = 時間外
staff-reason-pin-locked-auth = 利用者証明用暗証番号のロック
staff-reason-pin-locked-signing = 署名用パスワードのロック
staff-reason-reader-fault = 読取機の故障（手続き中）
staff-reason-reader-lost = 読取機の故障
staff-reason-reservation-expired = 予約の期限切れ
staff-reason-reservation-in-use = 予約を処理中
staff-reason-reservation-used = 予約は使用済み
staff-reason-self-test = 読取機テスト
staff-reason-unconfirmed = 結果を確認できない
staff-reason-unexpected = 想定外のエラー
staff-reason-unspecified = 理由なし
staff-reason-wrong-kind = 予約の種類が違う
staff-reason-wrong-pin = 暗証番号の誤り
staff-self-test-atr = ATR
staff-self-test-card-error = カードに接続できません：{ $error }
staff-self-test-jpki = JPKI-AP の選択
staff-self-test-jpki-error = 選択できません：{ $error }
staff-self-test-jpki-ok = 選択できました
staff-self-test-no-card = カードが置かれていません
staff-self-test-no-reader = （カードが置かれた読取機がありません）
staff-self-test-no-readers = 読取機がありません
staff-self-test-note = 読取機の一覧、置かれたカードの ATR、JPKI アプリケーションの選択を確認します。暗証番号は使わず、カードの中身も読みません。
staff-self-test-reader = テストした読取機
staff-self-test-readers = 読取機の一覧
staff-self-test-run = テストを実行

## top
top-copy = コピー
top-government = 行政サービス
top-government-note = マイナンバーカードのパスワード再設定など
top-maintenance = ただいまメンテナンス中です。しばらくしてからご利用ください
top-not-in-this-demo = このキオスクでは利用できません
top-out-of-service = ただいま行政サービスはご利用いただけません
top-outside-hours = 行政サービスのご利用時間は { $start }〜{ $end } です
top-photo = 写真プリント
top-print = プリント
top-title = ご利用になるサービスを選んでください

## warning
warning-countdown = あと { $n } 秒で終了します
warning-title = 操作を続けますか？
