# Simplified Chinese (zh-Hans): the customer's screens. Staff screens fall back to English.

## assist
assist-contrast = 高对比度
assist-done = 关闭
assist-large = 放大文字和按键
assist-low = 在下方操作（轮椅）
assist-note = 仅在本次使用期间有效，结束后恢复原状。
assist-off = 关
assist-on = 开
assist-open = 无障碍设置
assist-time = 延长时间（2倍）
assist-voice = 语音引导
assist-volume = 音量
assist-title = 无障碍设置

## common
common-back = 返回
common-cancel = 取消
common-continue = 继续
common-finish = 结束

## consent
consent-agree = 同意
consent-conditions = 使用条件
consent-decline = 不同意
consent-know-auth = 您知道签名用密码（6～16位英文字母和数字）
consent-know-signing = 您知道用户证明用密码（4位数字）
consent-privacy = 您输入的密码不会被本机或本店记录。为保护个人信息，店员无法协助操作。
consent-reservation = 您已在“JPKI PIN Reset”应用中预约重设，且未超过24小时
consent-title = 使用前请确认
consent-valid = 电子证明书在有效期内，且未失效
consent-what-auth = 为个人编号卡（マイナンバーカード）的用户证明用电子证明书重新设定密码。
consent-what-signing = 为个人编号卡（マイナンバーカード）的签名用电子证明书重新设定密码。

## demo
demo-empty = 放卡处：无
demo-note = 演示用虚拟卡
demo-on-reader =
    放卡处：{ $card }
    用户证明用密码：剩余 { $auth } 次
    签名用密码：剩余 { $signing } 次
demo-place = 放置卡片
demo-pull = 取走卡片
demo-title = 演示

## done
done-message = 请在使用个人编号卡办理网上手续时使用新密码。
done-title-auth = 用户证明用密码已重设
done-title-signing = 签名用密码已重设

## error
error-card-moved-guide = 请从头重新操作。在提示取卡之前，请勿移动卡片。
error-card-moved-title = 卡片已被移开
error-card-unresponsive-guide = 请重新放置卡片，从头开始操作。卡内信息未被更改。
error-card-unresponsive-title = 卡片没有响应
error-centre-guide = 请稍后再试。卡内信息未被更改。
error-centre-title = 无法连接服务中心
error-cert-expired-guide = 请到您所在的市区町村窗口更新电子证明书。
error-cert-expired-title = 电子证明书已过期
error-cert-revoked-guide = 可能因地址或姓名变更等原因已失效。请到您所在的市区町村窗口申请重新发行电子证明书。
error-cert-revoked-title = 电子证明书已失效
error-cert-untrusted-guide = 请向您所在的市区町村窗口咨询。
error-cert-untrusted-title = 无法验证电子证明书
error-maintenance-guide = 请稍后再试。卡内信息未被更改。
error-maintenance-title = 系统维护中
error-next = 处理方法
error-no-reservation-guide = 请在“JPKI PIN Reset”应用中预约重设，并在24小时内再来。
error-no-reservation-title = 未找到重设预约
error-no-signing-cert-guide = 未满15岁者的卡等没有签名用电子证明书的卡，无法在此重设。请向您所在的市区町村窗口咨询。
error-no-signing-cert-guide-auth = 重设用户证明用密码时，需用签名用密码确认本人身份。未满15岁者的卡等没有签名用电子证明书的卡，请到您所在的市区町村窗口重设。
error-no-signing-cert-title = 此卡没有签名用电子证明书
error-not-changed-guide = 卡片未接受新密码，原密码仍然有效。预约仍可使用，请从头重新操作。
error-not-changed-title = 密码未更改
error-not-mynumber-guide = 请确认卡片方向后重新放置。如仍无法读取，卡片可能已损坏，请向您所在的市区町村窗口咨询。
error-not-mynumber-title = 无法读取个人编号卡
error-outside-hours-guide = 服务时间为 { $start }～{ $end }。请在此时间内再来。
error-outside-hours-title = 不在服务时间内
error-pin-locked-guide = 本机无法解除锁定。请携带个人编号卡和身份证明文件，到您所在的市区町村窗口办理。
error-pin-locked-guide-for-auth-reset = 签名用密码已被锁定，本机无法确认您的身份，因此无法重设。请携带个人编号卡和身份证明文件，到您所在的市区町村窗口办理。
error-pin-locked-title-auth = 用户证明用密码已被锁定
error-pin-locked-title-signing = 签名用密码已被锁定
error-reader-fault-guide = 手续已中断。请取走卡片。本机暂时无法使用，请到其他店铺再试。
error-reader-fault-title = 读卡器发生故障
error-reservation-expired-guide = 请在“JPKI PIN Reset”应用中重新预约，并在24小时内再来。
error-reservation-expired-title = 预约已超过24小时
error-reservation-in-use-guide = 请等待几分钟后再试。
error-reservation-in-use-title = 此预约正在处理中
error-reservation-used-guide = 重设已经完成。如需再次重设，请在应用中重新预约。
error-reservation-used-title = 此预约已被使用
error-unconfirmed-guide = 无法确认密码是否已更改。请稍后试用新密码；如无法使用，请在应用中确认预约状态。
error-unconfirmed-title = 无法确认处理结果
error-unexpected-guide = 请从头重新操作。如仍然失败，请向您所在的市区町村窗口咨询。
error-unexpected-title = 手续未能完成
error-wrong-kind-guide = 您预约的是另一种密码的重设。请在应用中预约此密码的重设。
error-wrong-kind-title-auth = 没有用户证明用密码的预约
error-wrong-kind-title-signing = 没有签名用密码的预约

## header
header-service = 多功能复印机
header-step = 步骤 { $n }/8

## insert
insert-hold = 在提示取卡之前，请勿移动卡片。
insert-instruction = 请将有照片的一面朝上，放在放卡处。
insert-reading = 正在读取卡片…
insert-title = 请放置个人编号卡

## language
language-choose = 语言
language-name = 简体中文
language-title = 请选择语言

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = 请再次输入相同内容以确认
new-mismatch = 两次输入不一致。请从第一次开始重新输入。
new-next = 下一步
new-rule-digit = 至少1个数字（0～9）
new-rule-four-digits = 4位数字
new-rule-length = 6～16个字符
new-rule-letter = 至少1个英文字母（A～Z）
new-set = 设定
new-title-auth = 请输入新的用户证明用密码（4位数字）
new-title-signing = 请输入新的签名用密码

## out_of_service
out-of-service-guide = 本机需要检修。给您带来不便，深表歉意。
out-of-service-title = 暂时无法使用

## pin
pin-checking = 正在确认…
pin-clear = 全部清除
pin-confirm = 确定
pin-delete = 删除
pin-last-try = 再输错1次将被锁定。锁定后只能在市区町村窗口重设。
pin-title-auth = 请输入用户证明用密码（4位数字）
pin-title-signing = 请输入签名用密码（6～16位英文字母和数字）
pin-tries = 剩余次数：{ $n }
pin-wrong-auth = 密码不正确。
pin-wrong-signing = 密码不正确。
pin-wrong-last-try-auth = 密码不正确。再输错1次将被锁定。
pin-wrong-last-try-signing = 密码不正确。再输错1次将被锁定。

## processing
processing-hold = 请勿移动卡片
processing-title = 正在处理

## remove
remove-cancelled = 手续已取消。
remove-done = 重设已完成。
remove-escalated = 卡片仍在放卡处。请取走卡片。
remove-reminder = 请不要忘记取走卡片。
remove-timed-out = 由于长时间未操作，手续已结束。
remove-title = 请取走卡片

## reset_menu
reset-menu-auth = 重设用户证明用密码
reset-menu-auth-note = 用户证明用电子证明书的密码（4位数字）
reset-menu-signing = 重设签名用密码
reset-menu-signing-note = 签名用电子证明书的密码（6～16位英文字母和数字）
reset-menu-title = 个人编号卡密码重设

## services
services-certificates = 证明书发行
services-certificates-note = 住民票副本等（本机不提供）
services-password-reset = 个人编号卡密码重设
services-password-reset-note = 忘记电子证明书密码或密码被锁定时
services-title = 行政服务

## top
top-copy = 复印
top-government = 行政服务
top-government-note = 个人编号卡密码重设等
top-maintenance = 系统维护中，请稍后再试
top-not-in-this-demo = 本机不提供此服务
top-out-of-service = 行政服务暂时无法使用
top-outside-hours = 行政服务时间为 { $start }～{ $end }
top-photo = 照片打印
top-print = 打印
top-title = 请选择服务

## warning
warning-countdown = { $n } 秒后结束
warning-title = 要继续操作吗？
