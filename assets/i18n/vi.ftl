# Vietnamese (vi): the customer's screens. Staff screens fall back to English.

## assist
assist-contrast = Tương phản cao
assist-done = Đóng
assist-large = Chữ và phím lớn hơn
assist-low = Nút bấm ở phía dưới (xe lăn)
assist-note = Chỉ áp dụng cho lần sử dụng này; khi kết thúc sẽ trở lại như cũ.
assist-off = Tắt
assist-on = Bật
assist-open = Hỗ trợ tiếp cận
assist-time = Thêm thời gian (gấp đôi)
assist-voice = Hướng dẫn bằng giọng nói
assist-volume = Âm lượng
assist-title = Hỗ trợ tiếp cận

## common
common-back = Quay lại
common-cancel = Hủy
common-continue = Tiếp tục
common-finish = Kết thúc

## consent
consent-agree = Tôi đồng ý
consent-conditions = Điều kiện
consent-decline = Tôi không đồng ý
consent-know-auth = Bạn biết mật khẩu chữ ký điện tử (6 đến 16 ký tự chữ và số)
consent-know-signing = Bạn biết mã PIN xác thực người dùng (4 chữ số)
consent-privacy = Máy này và cửa hàng không lưu lại những gì bạn nhập. Để bảo vệ quyền riêng tư, nhân viên cửa hàng không thể giúp bạn thao tác.
consent-reservation = Bạn đã đăng ký đặt lại trên ứng dụng “JPKI PIN Reset” trong vòng 24 giờ qua
consent-title = Trước khi bắt đầu
consent-valid = Chứng thư điện tử của bạn còn hạn và chưa bị thu hồi
consent-what-auth = Đặt mã PIN mới cho chứng thư xác thực người dùng trên thẻ My Number của bạn.
consent-what-signing = Đặt mật khẩu mới cho chứng thư chữ ký điện tử trên thẻ My Number của bạn.

## demo
demo-empty = Trên khay: không có
demo-note = Thẻ demo ảo
demo-on-reader =
    Trên khay: { $card }
    PIN xác thực: còn { $auth } lần
    Mật khẩu chữ ký: còn { $signing } lần
demo-place = Đặt thẻ
demo-pull = Lấy thẻ
demo-title = DEMO

## done
done-message = Hãy dùng mật khẩu mới cho các thủ tục trực tuyến bằng thẻ My Number.
done-title-auth = Đã đặt lại mã PIN xác thực người dùng
done-title-signing = Đã đặt lại mật khẩu chữ ký điện tử

## error
error-card-moved-guide = Vui lòng làm lại từ đầu và để yên thẻ cho đến khi được yêu cầu lấy ra.
error-card-moved-title = Thẻ đã bị lấy ra
error-card-unresponsive-guide = Hãy đặt thẻ lại và làm lại từ đầu. Thẻ chưa bị thay đổi gì.
error-card-unresponsive-title = Thẻ không phản hồi
error-centre-guide = Vui lòng thử lại sau. Thẻ chưa bị thay đổi gì.
error-centre-title = Không kết nối được với trung tâm dịch vụ
error-cert-expired-guide = Hãy gia hạn chứng thư tại văn phòng hành chính (shiyakusho).
error-cert-expired-title = Chứng thư điện tử đã hết hạn
error-cert-revoked-guide = Có thể chứng thư đã bị thu hồi do đổi địa chỉ hoặc họ tên. Hãy xin cấp chứng thư mới tại văn phòng hành chính (shiyakusho).
error-cert-revoked-title = Chứng thư điện tử đã bị thu hồi
error-cert-untrusted-guide = Vui lòng hỏi tại văn phòng hành chính (shiyakusho).
error-cert-untrusted-title = Không thể xác minh chứng thư điện tử
error-maintenance-guide = Vui lòng thử lại sau. Thẻ chưa bị thay đổi gì.
error-maintenance-title = Đang bảo trì
error-next = Việc cần làm
error-no-reservation-guide = Hãy đăng ký đặt lại trên ứng dụng “JPKI PIN Reset”, rồi quay lại trong vòng 24 giờ.
error-no-reservation-title = Không tìm thấy đăng ký
error-no-signing-cert-guide = Thẻ không có chứng thư chữ ký điện tử, như thẻ của người dưới 15 tuổi, không thể đặt lại tại đây. Vui lòng hỏi tại văn phòng hành chính (shiyakusho).
error-no-signing-cert-guide-auth = Khi đặt lại PIN xác thực, danh tính được xác minh bằng mật khẩu chữ ký điện tử. Thẻ không có chứng thư chữ ký, như thẻ của người dưới 15 tuổi, được đặt lại tại văn phòng hành chính (shiyakusho).
error-no-signing-cert-title = Thẻ không có chứng thư chữ ký điện tử
error-not-changed-guide = Thẻ không nhận mật khẩu mới; mật khẩu cũ vẫn giữ nguyên. Đăng ký của bạn vẫn còn hiệu lực: vui lòng làm lại từ đầu.
error-not-changed-title = Mật khẩu chưa được thay đổi
error-not-mynumber-guide = Hãy kiểm tra chiều của thẻ rồi đặt thẻ lại. Nếu vẫn không đọc được, thẻ có thể bị hỏng: vui lòng hỏi tại văn phòng hành chính (shiyakusho).
error-not-mynumber-title = Không đọc được thẻ My Number
error-outside-hours-guide = Dịch vụ hoạt động từ { $start } đến { $end }. Vui lòng quay lại trong giờ đó.
error-outside-hours-title = Ngoài giờ phục vụ
error-pin-locked-guide = Không thể mở khóa tại đây. Hãy mang thẻ My Number và giấy tờ tùy thân đến văn phòng hành chính (shiyakusho).
error-pin-locked-guide-for-auth-reset = Mật khẩu chữ ký điện tử đã bị khóa nên máy này không thể xác minh danh tính và không thể đặt lại PIN. Hãy mang thẻ My Number và giấy tờ tùy thân có ảnh đến văn phòng hành chính (shiyakusho).
error-pin-locked-title-auth = Mã PIN xác thực người dùng đã bị khóa
error-pin-locked-title-signing = Mật khẩu chữ ký điện tử đã bị khóa
error-reader-fault-guide = Thủ tục đã dừng. Vui lòng lấy thẻ ra. Máy này tạm thời không dùng được; vui lòng thử lại ở cửa hàng khác.
error-reader-fault-title = Đầu đọc thẻ bị lỗi
error-reservation-expired-guide = Hãy đăng ký lại trên ứng dụng “JPKI PIN Reset”, rồi quay lại trong vòng 24 giờ.
error-reservation-expired-title = Đăng ký đã quá 24 giờ
error-reservation-in-use-guide = Vui lòng chờ vài phút rồi thử lại.
error-reservation-in-use-title = Đăng ký này đang được xử lý
error-reservation-used-guide = Việc đặt lại đã hoàn tất. Để đặt lại lần nữa, hãy đăng ký mới trên ứng dụng.
error-reservation-used-title = Đăng ký này đã được sử dụng
error-unconfirmed-guide = Không xác nhận được mật khẩu đã đổi hay chưa. Hãy thử mật khẩu mới sau; nếu không dùng được, hãy kiểm tra đăng ký trên ứng dụng.
error-unconfirmed-title = Không xác nhận được kết quả
error-unexpected-guide = Vui lòng làm lại từ đầu. Nếu vẫn không được, vui lòng hỏi tại văn phòng hành chính (shiyakusho).
error-unexpected-title = Không thể hoàn tất thủ tục
error-wrong-kind-guide = Bạn đã đăng ký đặt lại mật khẩu kia. Hãy đăng ký đặt lại mật khẩu này trên ứng dụng.
error-wrong-kind-title-auth = Không có đăng ký cho mã PIN xác thực người dùng
error-wrong-kind-title-signing = Không có đăng ký cho mật khẩu chữ ký điện tử

## header
header-service = Máy photocopy đa năng
header-step = Bước { $n }/8

## insert
insert-hold = Không di chuyển thẻ cho đến khi được yêu cầu lấy ra.
insert-instruction = Đặt thẻ lên khay, mặt có ảnh hướng lên trên.
insert-reading = Đang đọc thẻ…
insert-title = Đặt thẻ My Number

## language
language-choose = Ngôn ngữ
language-name = Tiếng Việt
language-title = Chọn ngôn ngữ

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = Nhập lại lần nữa để xác nhận
new-mismatch = Hai lần nhập không khớp. Vui lòng nhập lại từ đầu.
new-next = Tiếp
new-rule-digit = Ít nhất một chữ số (0 đến 9)
new-rule-four-digits = 4 chữ số
new-rule-length = 6 đến 16 ký tự
new-rule-letter = Ít nhất một chữ cái (A đến Z)
new-set = Xác nhận
new-title-auth = Nhập mã PIN xác thực người dùng mới (4 chữ số)
new-title-signing = Nhập mật khẩu chữ ký điện tử mới

## out_of_service
out-of-service-guide = Máy cần được kiểm tra. Xin lỗi vì sự bất tiện này.
out-of-service-title = Hiện không sử dụng được

## pin
pin-checking = Đang kiểm tra…
pin-clear = Xóa hết
pin-confirm = OK
pin-delete = Xóa
pin-last-try = Nhập sai thêm một lần sẽ bị khóa. Khi bị khóa, chỉ có thể đặt lại tại văn phòng hành chính (shiyakusho).
pin-title-auth = Nhập mã PIN xác thực người dùng (4 chữ số)
pin-title-signing = Nhập mật khẩu chữ ký điện tử (6 đến 16 ký tự chữ và số)
pin-tries = Số lần còn lại: { $n }
pin-wrong-auth = Mã PIN không đúng.
pin-wrong-signing = Mật khẩu không đúng.
pin-wrong-last-try-auth = Mã PIN không đúng. Nhập sai thêm một lần sẽ bị khóa.
pin-wrong-last-try-signing = Mật khẩu không đúng. Nhập sai thêm một lần sẽ bị khóa.

## processing
processing-hold = Không di chuyển thẻ
processing-title = Đang xử lý

## remove
remove-cancelled = Thủ tục đã bị hủy.
remove-done = Đã đặt lại xong.
remove-escalated = Thẻ vẫn còn trên khay. Vui lòng lấy thẻ ra.
remove-reminder = Đừng quên lấy thẻ.
remove-timed-out = Thủ tục đã kết thúc vì không có thao tác trong một thời gian.
remove-title = Vui lòng lấy thẻ ra

## reset_menu
reset-menu-auth = Đặt lại mã PIN xác thực người dùng
reset-menu-auth-note = Mã PIN của chứng thư xác thực người dùng (4 chữ số)
reset-menu-signing = Đặt lại mật khẩu chữ ký điện tử
reset-menu-signing-note = Mật khẩu của chứng thư chữ ký điện tử (6 đến 16 ký tự chữ và số)
reset-menu-title = Đặt lại mật khẩu thẻ My Number

## services
services-certificates = Giấy chứng nhận
services-certificates-note = Bản sao phiếu cư trú, v.v. (không có trên máy này)
services-password-reset = Đặt lại mật khẩu thẻ My Number
services-password-reset-note = Khi quên hoặc bị khóa mật khẩu chứng thư điện tử
services-title = Dịch vụ hành chính

## top
top-copy = Photocopy
top-government = Dịch vụ hành chính
top-government-note = Đặt lại mật khẩu thẻ My Number, v.v.
top-maintenance = Đang bảo trì. Vui lòng thử lại sau
top-not-in-this-demo = Không có trên máy này
top-out-of-service = Dịch vụ hành chính hiện không sử dụng được
top-outside-hours = Dịch vụ hành chính hoạt động từ { $start } đến { $end }
top-photo = In ảnh
top-print = In
top-title = Chọn dịch vụ

## warning
warning-countdown = Sẽ kết thúc sau { $n } giây
warning-title = Bạn có muốn tiếp tục không?
