# Korean (ko): the customer's screens. Staff screens fall back to English.

## assist
assist-contrast = 고대비
assist-done = 닫기
assist-large = 글자와 버튼 크게
assist-low = 아래쪽에서 조작(휠체어)
assist-note = 이번 이용 중에만 적용되며, 끝나면 원래대로 돌아갑니다.
assist-off = 끔
assist-on = 켬
assist-open = 접근성 설정
assist-time = 시간 여유 있게(2배)
assist-voice = 음성 안내
assist-volume = 음량
assist-title = 접근성 설정

## common
common-back = 뒤로
common-cancel = 취소
common-continue = 계속
common-finish = 종료

## consent
consent-agree = 동의합니다
consent-conditions = 이용 조건
consent-decline = 동의하지 않습니다
consent-know-auth = 서명용 비밀번호(영문·숫자 6~16자)를 알고 있음
consent-know-signing = 이용자 증명용 비밀번호(숫자 4자리)를 알고 있음
consent-privacy = 입력한 비밀번호는 이 기기와 매장에 기록되지 않습니다. 개인정보 보호를 위해 점원은 조작을 도와드릴 수 없습니다.
consent-reservation = “JPKI PIN Reset” 앱에서 재설정을 예약한 지 24시간이 지나지 않았음
consent-title = 시작하기 전에
consent-valid = 전자증명서가 유효기간 내이며 실효되지 않았음
consent-what-auth = 마이넘버 카드의 이용자 증명용 전자증명서 비밀번호를 새로 설정합니다.
consent-what-signing = 마이넘버 카드의 서명용 전자증명서 비밀번호를 새로 설정합니다.

## demo
demo-empty = 카드 놓는 곳: 없음
demo-note = 데모용 가상 카드
demo-on-reader =
    카드 놓는 곳: { $card }
    이용자 증명용 비밀번호: { $auth }회 남음
    서명용 비밀번호: { $signing }회 남음
demo-place = 카드 놓기
demo-pull = 카드 빼기
demo-title = 데모

## done
done-message = 새 비밀번호는 마이넘버 카드를 사용하는 온라인 절차에 사용하십시오.
done-title-auth = 이용자 증명용 비밀번호를 재설정했습니다
done-title-signing = 서명용 비밀번호를 재설정했습니다

## error
error-card-moved-guide = 처음부터 다시 진행해 주십시오. 안내가 있을 때까지 카드를 움직이지 마십시오.
error-card-moved-title = 카드가 치워졌습니다
error-card-unresponsive-guide = 카드를 다시 놓고 처음부터 진행해 주십시오. 카드 내용은 변경되지 않았습니다.
error-card-unresponsive-title = 카드가 응답하지 않았습니다
error-centre-guide = 잠시 후 다시 시도해 주십시오. 카드 내용은 변경되지 않았습니다.
error-centre-title = 센터에 연결할 수 없었습니다
error-cert-expired-guide = 거주지 시구정촌 창구에서 전자증명서를 갱신해 주십시오.
error-cert-expired-title = 전자증명서의 유효기간이 지났습니다
error-cert-revoked-guide = 주소나 이름 변경 등으로 실효되었을 수 있습니다. 거주지 시구정촌 창구에서 전자증명서를 새로 발급받으십시오.
error-cert-revoked-title = 전자증명서가 실효되었습니다
error-cert-untrusted-guide = 거주지 시구정촌 창구에 문의해 주십시오.
error-cert-untrusted-title = 전자증명서를 확인할 수 없었습니다
error-maintenance-guide = 잠시 후 다시 시도해 주십시오. 카드 내용은 변경되지 않았습니다.
error-maintenance-title = 점검 중입니다
error-next = 대처 방법
error-no-reservation-guide = “JPKI PIN Reset” 앱에서 재설정을 예약한 후 24시간 이내에 다시 와 주십시오.
error-no-reservation-title = 재설정 예약을 찾을 수 없습니다
error-no-signing-cert-guide = 15세 미만인 분의 카드 등 서명용 전자증명서가 없는 카드는 여기에서 재설정할 수 없습니다. 거주지 시구정촌 창구에 문의해 주십시오.
error-no-signing-cert-guide-auth = 이용자 증명용 비밀번호 재설정은 서명용 비밀번호로 본인 확인을 합니다. 15세 미만인 분의 카드 등 서명용 전자증명서가 없는 카드는 거주지 시구정촌 창구에서 재설정해 주십시오.
error-no-signing-cert-title = 카드에 서명용 전자증명서가 없습니다
error-not-changed-guide = 카드가 새 비밀번호를 받아들이지 않아 기존 비밀번호가 그대로입니다. 예약은 계속 유효하니 처음부터 다시 진행해 주십시오.
error-not-changed-title = 비밀번호가 변경되지 않았습니다
error-not-mynumber-guide = 카드 방향을 확인하고 다시 놓아 주십시오. 그래도 읽을 수 없으면 카드가 손상되었을 수 있으니 거주지 시구정촌 창구에 문의해 주십시오.
error-not-mynumber-title = 마이넘버 카드를 읽을 수 없었습니다
error-outside-hours-guide = 이용 시간은 { $start }~{ $end }입니다. 이용 시간 내에 다시 와 주십시오.
error-outside-hours-title = 서비스 시간이 아닙니다
error-pin-locked-guide = 여기에서는 잠금을 해제할 수 없습니다. 마이넘버 카드와 본인 확인 서류를 가지고 거주지 시구정촌 창구를 방문해 주십시오.
error-pin-locked-guide-for-auth-reset = 서명용 비밀번호가 잠겨 있어 본인 확인을 할 수 없으므로 이 키오스크에서는 재설정할 수 없습니다. 마이넘버 카드와 본인 확인 서류를 가지고 거주지 시구정촌 창구를 방문해 주십시오.
error-pin-locked-title-auth = 이용자 증명용 비밀번호가 잠겼습니다
error-pin-locked-title-signing = 서명용 비밀번호가 잠겼습니다
error-reader-fault-guide = 절차를 중단했습니다. 카드를 가져가 주십시오. 이 기기는 당분간 사용할 수 없으니 다른 매장에서 다시 시도해 주십시오.
error-reader-fault-title = 카드 리더기에 문제가 발생했습니다
error-reservation-expired-guide = “JPKI PIN Reset” 앱에서 다시 예약한 후 24시간 이내에 와 주십시오.
error-reservation-expired-title = 예약 후 24시간이 지났습니다
error-reservation-in-use-guide = 몇 분 기다린 후 다시 시도해 주십시오.
error-reservation-in-use-title = 이 예약은 처리 중입니다
error-reservation-used-guide = 재설정이 이미 완료되었습니다. 다시 재설정하려면 앱에서 새로 예약해 주십시오.
error-reservation-used-title = 이미 사용된 예약입니다
error-unconfirmed-guide = 비밀번호가 변경되었는지 확인할 수 없었습니다. 잠시 후 새 비밀번호로 시도해 보시고, 사용할 수 없으면 앱에서 예약 상태를 확인해 주십시오.
error-unconfirmed-title = 처리 결과를 확인할 수 없었습니다
error-unexpected-guide = 처음부터 다시 진행해 주십시오. 계속 실패하면 거주지 시구정촌 창구에 문의해 주십시오.
error-unexpected-title = 절차를 완료할 수 없었습니다
error-wrong-kind-guide = 다른 비밀번호의 재설정이 예약되어 있습니다. 앱에서 이 비밀번호의 재설정을 예약해 주십시오.
error-wrong-kind-title-auth = 이용자 증명용 비밀번호 예약이 없습니다
error-wrong-kind-title-signing = 서명용 비밀번호 예약이 없습니다

## header
header-service = 멀티 복사기
header-step = 단계 { $n }/8

## insert
insert-hold = 안내가 있을 때까지 카드를 움직이지 마십시오.
insert-instruction = 사진이 있는 면을 위로 하여 카드 놓는 곳에 놓아 주십시오.
insert-reading = 카드를 읽는 중…
insert-title = 마이넘버 카드를 놓아 주십시오

## language
language-choose = 언어
language-name = 한국어
language-title = 언어를 선택하십시오

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = 확인을 위해 같은 내용을 다시 입력해 주십시오
new-mismatch = 두 입력이 일치하지 않습니다. 처음부터 다시 입력해 주십시오.
new-next = 다음
new-rule-digit = 숫자(0~9) 1자 이상
new-rule-four-digits = 숫자 4자리
new-rule-length = 6~16자
new-rule-letter = 영문자(A~Z) 1자 이상
new-set = 설정
new-title-auth = 새 이용자 증명용 비밀번호(숫자 4자리)를 입력해 주십시오
new-title-signing = 새 서명용 비밀번호를 입력해 주십시오

## out_of_service
out-of-service-guide = 기기 점검이 필요합니다. 불편을 드려 죄송합니다.
out-of-service-title = 현재 이용할 수 없습니다

## pin
pin-checking = 확인 중…
pin-clear = 전체 삭제
pin-confirm = 확인
pin-delete = 삭제
pin-last-try = 한 번 더 틀리면 잠깁니다. 잠기면 시구정촌 창구에서만 재설정할 수 있습니다.
pin-title-auth = 이용자 증명용 비밀번호(숫자 4자리)를 입력해 주십시오
pin-title-signing = 서명용 비밀번호(영문·숫자 6~16자)를 입력해 주십시오
pin-tries = 남은 횟수: { $n }회
pin-wrong-auth = 비밀번호가 틀렸습니다.
pin-wrong-signing = 비밀번호가 틀렸습니다.
pin-wrong-last-try-auth = 비밀번호가 틀렸습니다. 한 번 더 틀리면 잠깁니다.
pin-wrong-last-try-signing = 비밀번호가 틀렸습니다. 한 번 더 틀리면 잠깁니다.

## processing
processing-hold = 카드를 움직이지 마십시오
processing-title = 처리 중

## remove
remove-cancelled = 절차를 취소했습니다.
remove-done = 재설정이 완료되었습니다.
remove-escalated = 카드가 아직 놓여 있습니다. 카드를 가져가 주십시오.
remove-reminder = 카드를 잊지 말고 가져가십시오.
remove-timed-out = 일정 시간 조작이 없어 절차를 종료했습니다.
remove-title = 카드를 가져가 주십시오

## reset_menu
reset-menu-auth = 이용자 증명용 비밀번호 재설정
reset-menu-auth-note = 이용자 증명용 전자증명서의 비밀번호(숫자 4자리)
reset-menu-signing = 서명용 비밀번호 재설정
reset-menu-signing-note = 서명용 전자증명서의 비밀번호(영문·숫자 6~16자)
reset-menu-title = 마이넘버 카드 비밀번호 재설정

## services
services-certificates = 증명서 발급
services-certificates-note = 주민표 사본 등(이 키오스크에서는 이용 불가)
services-password-reset = 마이넘버 카드 비밀번호 재설정
services-password-reset-note = 전자증명서 비밀번호를 잊었거나 잠긴 경우
services-title = 행정 서비스

## top
top-copy = 복사
top-government = 행정 서비스
top-government-note = 마이넘버 카드 비밀번호 재설정 등
top-maintenance = 점검 중입니다. 잠시 후 이용해 주십시오
top-not-in-this-demo = 이 키오스크에서는 이용할 수 없습니다
top-out-of-service = 현재 행정 서비스를 이용할 수 없습니다
top-outside-hours = 행정 서비스 이용 시간은 { $start }~{ $end }입니다
top-photo = 사진 인화
top-print = 인쇄
top-title = 서비스를 선택해 주십시오

## warning
warning-countdown = { $n }초 후 종료됩니다
warning-title = 계속하시겠습니까?
