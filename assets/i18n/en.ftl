## assist
assist-contrast = High contrast
assist-done = Close
assist-large = Larger text and keys
assist-low = Low controls (wheelchair)
assist-note = For your visit only: everything goes back when you finish.
assist-off = Off
assist-on = On
assist-open = Accessibility
assist-time = More time (twice as long)
assist-voice = Voice guidance
assist-volume = Volume
assist-title = Accessibility

## common
common-back = Back
common-cancel = Cancel
common-continue = Continue
common-finish = Finish

## consent
consent-agree = I agree
consent-conditions = Conditions
consent-decline = I do not agree
consent-know-auth = You know the signing password (6 to 16 letters and digits)
consent-know-signing = You know the user authentication PIN (4 digits)
consent-privacy = What you type is not recorded by this machine or the store. To protect your privacy, store staff cannot help you operate it.
consent-reservation = You reserved the reset in the “JPKI PIN Reset” app less than 24 hours ago
consent-title = Before you start
consent-valid = Your certificates are within their validity and not revoked
consent-what-auth = This sets a new PIN for the user authentication certificate on your My Number Card.
consent-what-signing = This sets a new password for the digital signature certificate on your My Number Card.

## demo
demo-empty = On the tray: nothing
demo-note = Virtual demo cards
demo-on-reader =
    On the tray: { $card }
    Auth PIN: { $auth ->
        [one] { $auth } try left
       *[other] { $auth } tries left
    }
    Signing password: { $signing ->
        [one] { $signing } try left
       *[other] { $signing } tries left
    }
demo-place = Place a card
demo-pull = Take the card
demo-title = DEMO

## done
done-message = Use the new password for online procedures with your My Number Card.
done-title-auth = Your user authentication PIN has been reset
done-title-signing = Your signing password has been reset

## error
error-card-moved-guide = Please start again from the beginning, and keep the card in place until you are told to take it.
error-card-moved-title = The card was removed
error-card-unresponsive-guide = Place the card again and start from the beginning. Nothing was changed on the card.
error-card-unresponsive-title = The card did not answer
error-centre-guide = Please try again later. Nothing was changed on the card.
error-centre-title = The service centre could not be reached
error-cert-expired-guide = Renew your certificates at your municipal office.
error-cert-expired-title = The certificate has expired
error-cert-revoked-guide = It may have been revoked after a change of address or name. Have a new certificate issued at your municipal office.
error-cert-revoked-title = The certificate has been revoked
error-cert-untrusted-guide = Please ask at your municipal office.
error-cert-untrusted-title = The certificate could not be verified
error-maintenance-guide = Please try again later. Nothing was changed on the card.
error-maintenance-title = Under maintenance
error-next = What to do
error-no-reservation-guide = Reserve the reset in the “JPKI PIN Reset” app, then come back within 24 hours.
error-no-reservation-title = No reservation was found
error-no-signing-cert-guide = Cards without a signing certificate, such as those of holders under 15, cannot be reset here. Please ask at your municipal office.
error-no-signing-cert-guide-auth = The auth PIN reset checks who you are with the signing password. Cards without a signing certificate, such as those of holders under 15, are reset at your municipal office.
error-no-signing-cert-title = The card has no signing certificate
error-not-changed-guide = The card did not take the new password; the old one still stands. Your reservation is still valid: please start again from the beginning.
error-not-changed-title = The password was not changed
error-not-mynumber-guide = Check that the card faces the right way and place it again. If it still cannot be read, the card may be damaged: please ask at your municipal office.
error-not-mynumber-title = The My Number Card could not be read
error-outside-hours-guide = The service is available from { $start } to { $end }. Please come back then.
error-outside-hours-title = Outside service hours
error-pin-locked-guide = It cannot be unlocked here. Take your My Number Card and an identity document to your municipal office.
error-pin-locked-guide-for-auth-reset = Your signing password is locked, so this kiosk cannot confirm who you are and cannot reset the PIN. Take your My Number Card and photo ID to your municipal office.
error-pin-locked-title-auth = The user authentication PIN is locked
error-pin-locked-title-signing = The signing password is locked
error-reader-fault-guide = The procedure was stopped. Please take your card. This machine cannot be used for a while; please try again at another store.
error-reader-fault-title = The card reader failed
error-reservation-expired-guide = Reserve again in the “JPKI PIN Reset” app, then come back within 24 hours.
error-reservation-expired-title = The reservation is more than 24 hours old
error-reservation-in-use-guide = Please wait a few minutes and try again.
error-reservation-in-use-title = This reservation is being processed
error-reservation-used-guide = The reset is already done. To reset again, make a new reservation in the app.
error-reservation-used-title = This reservation has already been used
error-unconfirmed-guide = It could not be confirmed whether the password was changed. Try the new password later; if it does not work, check your reservation in the app.
error-unconfirmed-title = The result could not be confirmed
error-unexpected-guide = Please start again from the beginning. If it keeps failing, please ask at your municipal office.
error-unexpected-title = The procedure could not be completed
error-wrong-kind-guide = A reset of the other password was reserved. Reserve a reset of this password in the app.
error-wrong-kind-title-auth = No reservation for the user authentication PIN
error-wrong-kind-title-signing = No reservation for the signing password

## header
header-service = Multi-copy machine
header-step = Step { $n } of 8

## insert
insert-hold = Do not move the card until you are told to take it.
insert-instruction = Place the card on the card tray, photo side up.
insert-reading = Reading the card…
insert-title = Place your My Number Card

## language
language-choose = Language
language-name = English
language-title = Choose your language

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = Enter the same again to confirm
new-mismatch = The two entries differ. Please enter it again from the start.
new-next = Next
new-rule-digit = At least one digit (0 to 9)
new-rule-four-digits = 4 digits
new-rule-length = 6 to 16 characters
new-rule-letter = At least one letter (A to Z)
new-set = Set
new-title-auth = Enter a new user authentication PIN (4 digits)
new-title-signing = Enter a new signing password

## out_of_service
out-of-service-guide = The machine needs to be checked. We apologise for the inconvenience.
out-of-service-title = Not available at the moment

## pin
pin-checking = Checking…
pin-clear = Clear
pin-confirm = OK
pin-delete = Delete
pin-last-try = One more wrong entry locks it. A locked PIN can only be reset at your municipal office.
pin-title-auth = Enter the user authentication PIN (4 digits)
pin-title-signing = Enter the signing password (6 to 16 letters and digits)
pin-tries = Tries left: { $n }
pin-wrong-auth = That PIN is not correct.
pin-wrong-signing = That password is not correct.
pin-wrong-last-try-auth = That PIN is not correct. One more wrong entry locks it.
pin-wrong-last-try-signing = That password is not correct. One more wrong entry locks it.

## processing
processing-hold = Do not move the card
processing-title = Working

## remove
remove-cancelled = The procedure was cancelled.
remove-done = The reset is complete.
remove-escalated = Your card is still on the tray. Please take your card.
remove-reminder = Do not forget your card.
remove-timed-out = The procedure ended because nothing was entered for a while.
remove-title = Please take your card

## reset_menu
reset-menu-auth = Reset the user authentication PIN
reset-menu-auth-note = The PIN of the user authentication certificate (4 digits)
reset-menu-signing = Reset the signing password
reset-menu-signing-note = The password of the digital signature certificate (6 to 16 letters and digits)
reset-menu-title = My Number Card password reset

## services
services-certificates = Certificates
services-certificates-note = Copies of the residence record and more (not available on this kiosk)
services-password-reset = My Number Card password reset
services-password-reset-note = If you forgot or locked a certificate password
services-title = Government services

## staff
staff-back-in-service = Back in service
staff-checking = Checking…
staff-counters-cancelled = Cancelled by the customer
staff-counters-completed = Resets completed
staff-counters-error = Error: { $reason }
staff-counters-note = Today (Japan time) and over all kept records. Nothing that identifies a person is recorded.
staff-counters-passcode-failures = Wrong passcodes
staff-counters-refused = Refused: { $reason }
staff-counters-sessions = Sessions started
staff-counters-tally = today { $today } / total { $total }
staff-counters-timed-out = Timed out
staff-event-card = card
staff-event-passcode-failed = Wrong passcode ({ $n } in a row, locked { $seconds } s)
staff-event-reader-back = Reader back
staff-event-reader-lost = Reader lost
staff-event-session-end = Session ended ({ $kind }): { $outcome }
staff-event-session-start = Session started ({ $kind })
staff-event-staff-action = Staff action: { $action }
staff-event-staff-entry = Staff entered maintenance
staff-event-staff-exit = Staff left maintenance
staff-event-staff-exit-idle = Maintenance ended after 5 minutes idle
staff-event-started = Kiosk started ({ $version })
staff-exit = Leave maintenance
staff-health-absent = Not found
staff-health-audit-broken = Out of service: the audit log cannot be written ({ $error })
staff-health-card = Card
staff-health-card-off = None
staff-health-card-on = On the reader
staff-health-centre = Reset centre
staff-health-centre-error = Not reachable: { $error }
staff-health-centre-maintenance = Reachable (the centre is in maintenance)
staff-health-centre-ok = Reachable
staff-health-config = Configuration
staff-health-heard = Heard by the centre
staff-health-heard-at = Yes, at { $time }
staff-health-heard-not-yet = Not yet
staff-health-in-service = In service
staff-health-not-heard = Not heard since { $time } ({ $reason })
staff-health-out-of-service = Out of service (set by staff)
staff-health-pcsc = PC/SC service
staff-health-pcsc-error = Does not answer: { $error }
staff-health-pcsc-ok =
    { $n ->
        [one] Answers ({ $n } reader: { $names })
       *[other] Answers ({ $n } readers: { $names })
    }
staff-health-present = Connected
staff-health-problem-protocol = answer not understood
staff-health-problem-refused = refused
staff-health-problem-timeout = no answer in time
staff-health-problem-unknown-kiosk = the centre does not accept this kiosk
staff-health-problem-unreachable = unreachable
staff-health-reader = Card reader
staff-health-service = Service
staff-health-software = Software
staff-health-store = Store ID
staff-health-uptime = Uptime
staff-health-uptime-value = { $h } h { $m } min
staff-kind-auth = auth
staff-kind-signing = signing
staff-login-locked = Locked after repeated wrong passcodes. { $n ->
        [one] Wait { $n } second.
       *[other] Wait { $n } seconds.
    }
staff-login-not-configured = No staff passcode is set. Set one with kiosk-app set-staff-passcode.
staff-login-prompt = Enter the staff passcode (6 to 12 digits)
staff-login-title = Maintenance mode
staff-login-wrong = That passcode is not correct.
staff-out-of-service = Take out of service
staff-outcome-cancelled = cancelled
staff-outcome-completed = completed
staff-outcome-failed = error
staff-outcome-refused = refused
staff-outcome-timed-out = timed out
staff-page-counters = Counters
staff-page-events = Recent events
staff-page-health = Health
staff-page-self-test = Reader self-test
staff-reason-back-in-service = back in service
staff-reason-card-moved = card moved
staff-reason-card-unreadable = card unreadable
staff-reason-card-unresponsive = card not answering
staff-reason-centre-unreachable = centre unreachable
staff-reason-cert-expired = certificate expired
staff-reason-cert-revoked = certificate revoked
staff-reason-cert-untrusted = certificate not trusted
staff-reason-maintenance = centre maintenance
staff-reason-no-reservation = no reservation
staff-reason-no-signing-certificate = no signing certificate
staff-reason-not-changed = not changed (retry possible)
staff-reason-not-my-number-card = not a My Number Card
staff-reason-out-of-service = out of service
staff-reason-outside-hours = outside hours
staff-reason-pin-locked-auth = auth PIN locked
staff-reason-pin-locked-signing = signing password locked
staff-reason-reader-fault = reader failure (during a session)
staff-reason-reader-lost = reader failure
staff-reason-reservation-expired = reservation expired
staff-reason-reservation-in-use = reservation in use
staff-reason-reservation-used = reservation used
staff-reason-self-test = reader self-test
staff-reason-unconfirmed = outcome unconfirmed
staff-reason-unexpected = unexpected error
staff-reason-unspecified = no reason
staff-reason-wrong-kind = reservation of the other kind
staff-reason-wrong-pin = wrong PIN
staff-self-test-atr = ATR
staff-self-test-card-error = Cannot reach the card: { $error }
staff-self-test-jpki = JPKI-AP select
staff-self-test-jpki-error = Not selected: { $error }
staff-self-test-jpki-ok = Selected
staff-self-test-no-card = No card on the reader
staff-self-test-no-reader = (no reader has had a card yet)
staff-self-test-no-readers = No readers
staff-self-test-note = Lists the readers, reads the ATR of the card on the reader and selects the JPKI application. No PIN is used and nothing is read from the card.
staff-self-test-reader = Reader tested
staff-self-test-readers = Readers
staff-self-test-run = Run the test

## top
top-copy = Copy
top-government = Government services
top-government-note = My Number Card password reset and more
top-maintenance = Under maintenance. Please try again later
top-not-in-this-demo = Not available on this kiosk
top-out-of-service = Government services are not available at the moment
top-outside-hours = Government services are available from { $start } to { $end }
top-photo = Photo print
top-print = Print
top-title = Choose a service

## warning
warning-countdown =
    { $n ->
        [one] Ending in { $n } second
       *[other] Ending in { $n } seconds
    }
warning-title = Do you want to continue?
