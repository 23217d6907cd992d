# Brazilian Portuguese (pt-BR): the customer's screens. Staff screens fall back to English.

## assist
assist-contrast = Alto contraste
assist-done = Fechar
assist-large = Texto e teclas maiores
assist-low = Botões embaixo (cadeirante)
assist-note = Só para este atendimento: tudo volta ao normal ao terminar.
assist-off = Desligado
assist-on = Ligado
assist-open = Acessibilidade
assist-time = Mais tempo (o dobro)
assist-voice = Orientação por voz
assist-volume = Volume
assist-title = Acessibilidade

## common
common-back = Voltar
common-cancel = Cancelar
common-continue = Continuar
common-finish = Finalizar

## consent
consent-agree = Concordo
consent-conditions = Condições
consent-decline = Não concordo
consent-know-auth = Você sabe a senha de assinatura (6 a 16 letras e números)
consent-know-signing = Você sabe o PIN de autenticação do usuário (4 dígitos)
consent-privacy = Nada do que você digita fica registrado na máquina ou na loja. Por privacidade, os funcionários não podem ajudar na operação.
consent-reservation = Você reservou a redefinição no app “JPKI PIN Reset” há menos de 24 horas
consent-title = Antes de começar
consent-valid = Seus certificados estão na validade e não foram revogados
consent-what-auth = Define um novo PIN para o certificado de autenticação do usuário do seu cartão My Number.
consent-what-signing = Define uma nova senha para o certificado de assinatura eletrônica do seu cartão My Number.

## demo
demo-empty = Na bandeja: nada
demo-note = Cartões virtuais (demo)
demo-on-reader =
    Na bandeja: { $card }
    PIN de autenticação: { $auth ->
        [one] { $auth } tentativa restante
       *[other] { $auth } tentativas restantes
    }
    Senha de assinatura: { $signing ->
        [one] { $signing } tentativa restante
       *[other] { $signing } tentativas restantes
    }
demo-place = Colocar cartão
demo-pull = Retirar o cartão
demo-title = DEMO

## done
done-message = Use a nova senha nos procedimentos on-line com o cartão My Number.
done-title-auth = Seu PIN de autenticação do usuário foi redefinido
done-title-signing = Sua senha de assinatura foi redefinida

## error
error-card-moved-guide = Recomece do início e mantenha o cartão no lugar até a tela pedir para retirá-lo.
error-card-moved-title = O cartão foi retirado
error-card-unresponsive-guide = Coloque o cartão de novo e recomece do início. Nada foi alterado no cartão.
error-card-unresponsive-title = O cartão não respondeu
error-centre-guide = Tente novamente mais tarde. Nada foi alterado no cartão.
error-centre-title = Não foi possível conectar à central de serviço
error-cert-expired-guide = Renove seus certificados na prefeitura.
error-cert-expired-title = O certificado expirou
error-cert-revoked-guide = Ele pode ter sido revogado após mudança de endereço ou de nome. Peça a emissão de um novo certificado na prefeitura.
error-cert-revoked-title = O certificado foi revogado
error-cert-untrusted-guide = Consulte a prefeitura.
error-cert-untrusted-title = Não foi possível verificar o certificado
error-maintenance-guide = Tente novamente mais tarde. Nada foi alterado no cartão.
error-maintenance-title = Em manutenção
error-next = O que fazer
error-no-reservation-guide = Reserve a redefinição no app “JPKI PIN Reset” e volte dentro de 24 horas.
error-no-reservation-title = Nenhuma reserva encontrada
error-no-signing-cert-guide = Cartões sem certificado de assinatura, como os de menores de 15 anos, não podem ser redefinidos aqui. Consulte a prefeitura.
error-no-signing-cert-guide-auth = A redefinição do PIN de autenticação confirma sua identidade pela senha de assinatura. Cartões sem certificado de assinatura, como os de menores de 15 anos, são redefinidos na prefeitura.
error-no-signing-cert-title = O cartão não tem certificado de assinatura
error-not-changed-guide = O cartão não aceitou a nova senha; a senha antiga continua valendo. Sua reserva ainda é válida: recomece do início.
error-not-changed-title = A senha não foi alterada
error-not-mynumber-guide = Verifique a posição do cartão e coloque-o de novo. Se ainda não for lido, o cartão pode estar danificado: consulte a prefeitura.
error-not-mynumber-title = Não foi possível ler o cartão My Number
error-outside-hours-guide = O serviço funciona das { $start } às { $end }. Volte nesse horário.
error-outside-hours-title = Fora do horário de serviço
error-pin-locked-guide = Não é possível desbloquear aqui. Leve seu cartão My Number e um documento de identidade à prefeitura.
error-pin-locked-guide-for-auth-reset = Sua senha de assinatura está bloqueada, então esta máquina não pode confirmar sua identidade nem redefinir o PIN. Leve seu cartão My Number e um documento com foto à prefeitura.
error-pin-locked-title-auth = O PIN de autenticação do usuário está bloqueado
error-pin-locked-title-signing = A senha de assinatura está bloqueada
error-reader-fault-guide = O procedimento foi interrompido. Retire seu cartão. Esta máquina ficará indisponível por um tempo; tente novamente em outra loja.
error-reader-fault-title = Falha no leitor de cartão
error-reservation-expired-guide = Faça uma nova reserva no app “JPKI PIN Reset” e volte dentro de 24 horas.
error-reservation-expired-title = A reserva tem mais de 24 horas
error-reservation-in-use-guide = Aguarde alguns minutos e tente novamente.
error-reservation-in-use-title = Esta reserva está sendo processada
error-reservation-used-guide = A redefinição já foi feita. Para redefinir de novo, faça uma nova reserva no app.
error-reservation-used-title = Esta reserva já foi usada
error-unconfirmed-guide = Não foi possível confirmar se a senha foi alterada. Tente a nova senha mais tarde; se não funcionar, verifique sua reserva no app.
error-unconfirmed-title = Não foi possível confirmar o resultado
error-unexpected-guide = Recomece do início. Se o problema continuar, consulte a prefeitura.
error-unexpected-title = Não foi possível concluir o procedimento
error-wrong-kind-guide = A reserva foi feita para a outra senha. Reserve a redefinição desta senha no app.
error-wrong-kind-title-auth = Sem reserva para o PIN de autenticação do usuário
error-wrong-kind-title-signing = Sem reserva para a senha de assinatura

## header
header-service = Máquina multicopiadora
header-step = Etapa { $n } de 8

## insert
insert-hold = Não mova o cartão até a tela pedir para retirá-lo.
insert-instruction = Coloque o cartão na bandeja com o lado da foto para cima.
insert-reading = Lendo o cartão…
insert-title = Coloque seu cartão My Number

## language
language-choose = Idioma
language-name = Português
language-title = Escolha o idioma

## mark
mark-alert = ！
mark-back = ◀
mark-empty = ○
mark-mask = ●
mark-next = ▶
mark-ok = ✓
mark-todo = ・

## new
new-again = Digite novamente para confirmar
new-mismatch = As duas entradas são diferentes. Digite novamente desde o início.
new-next = Próximo
new-rule-digit = Pelo menos um número (0 a 9)
new-rule-four-digits = 4 dígitos
new-rule-length = 6 a 16 caracteres
new-rule-letter = Pelo menos uma letra (A a Z)
new-set = Definir
new-title-auth = Digite um novo PIN de autenticação do usuário (4 dígitos)
new-title-signing = Digite uma nova senha de assinatura

## out_of_service
out-of-service-guide = A máquina precisa ser verificada. Pedimos desculpas pelo transtorno.
out-of-service-title = Indisponível no momento

## pin
pin-checking = Verificando…
pin-clear = Limpar
pin-confirm = OK
pin-delete = Apagar
pin-last-try = Mais um erro causará o bloqueio. Após o bloqueio, a redefinição só pode ser feita na prefeitura.
pin-title-auth = Digite o PIN de autenticação do usuário (4 dígitos)
pin-title-signing = Digite a senha de assinatura (6 a 16 letras e números)
pin-tries =
    { $n ->
        [one] { $n } tentativa restante
       *[other] { $n } tentativas restantes
    }
pin-wrong-auth = PIN incorreto.
pin-wrong-signing = Senha incorreta.
pin-wrong-last-try-auth = PIN incorreto. Mais um erro bloqueará o PIN.
pin-wrong-last-try-signing = Senha incorreta. Mais um erro bloqueará a senha.

## processing
processing-hold = Não mova o cartão
processing-title = Processando

## remove
remove-cancelled = O procedimento foi cancelado.
remove-done = A redefinição foi concluída.
remove-escalated = Seu cartão ainda está na bandeja. Retire seu cartão.
remove-reminder = Não esqueça seu cartão.
remove-timed-out = O procedimento foi encerrado porque nada foi digitado por um tempo.
remove-title = Retire seu cartão

## reset_menu
reset-menu-auth = Redefinir o PIN de autenticação do usuário
reset-menu-auth-note = PIN do certificado de autenticação do usuário (4 dígitos)
reset-menu-signing = Redefinir a senha de assinatura
reset-menu-signing-note = Senha do certificado de assinatura eletrônica (6 a 16 letras e números)
reset-menu-title = Redefinir senha do cartão My Number

## services
services-certificates = Certidões
services-certificates-note = Atestado de residência e outros (indisponível nesta máquina)
services-password-reset = Redefinir senha do cartão My Number
services-password-reset-note = Se esqueceu ou bloqueou a senha de um certificado
services-title = Serviços públicos

## top
top-copy = Copiar
top-government = Serviços públicos
top-government-note = Redefinir senha do cartão My Number e mais
top-maintenance = Em manutenção. Tente novamente mais tarde
top-not-in-this-demo = Indisponível nesta máquina
top-out-of-service = Serviços públicos indisponíveis no momento
top-outside-hours = Serviços públicos disponíveis das { $start } às { $end }
top-photo = Fotos
top-print = Imprimir
top-title = Escolha um serviço

## warning
warning-countdown =
    { $n ->
        [one] Encerrando em { $n } segundo
       *[other] Encerrando em { $n } segundos
    }
warning-title = Deseja continuar?
