#!/bin/sh
# mail-admin.sh: a proxy-renewd --hook that mails the site admin about the
# events that need a person (needs-user-action, renewal-failed,
# credential-expiring, proxy-expired); "renewed" is ignored.
#
#   proxy-renewd ... --hook '/usr/share/proxy-renewd/hooks/mail-admin.sh'
#
# Settings (environment of the daemon, e.g. a systemd drop-in):
#   PROXY_RENEWD_MAILTO   recipient (default root)
#   PROXY_RENEWD_MAILER   command reading a message with headers on stdin
#                         (default: /usr/sbin/sendmail -t)
set -eu

case "${PROXY_RENEWD_EVENT:-}" in
needs-user-action|renewal-failed|credential-expiring|proxy-expired) ;;
*) exit 0 ;;
esac

to=${PROXY_RENEWD_MAILTO:-root}
mailer=${PROXY_RENEWD_MAILER:-/usr/sbin/sendmail -t}
when() { date -u -d "@$1" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo "$1"; }

{
	printf 'To: %s\n' "$to"
	printf 'Subject: proxy-renewd on %s: %s for %s\n\n' "$(hostname)" \
	    "$PROXY_RENEWD_EVENT" "$PROXY_RENEWD_IDENTITY"
	printf 'Event:            %s\n' "$PROXY_RENEWD_EVENT"
	printf 'Identity:         %s\n' "$PROXY_RENEWD_IDENTITY"
	printf 'Repository file:  %s\n' "$PROXY_RENEWD_FILE"
	printf 'Jobs:             %s\n' "$PROXY_RENEWD_JOBS"
	printf 'Proxy ends:       %s\n' "$(when "$PROXY_RENEWD_END_TIME")"
	[ "${PROXY_RENEWD_CREDENTIAL_END_TIME:-0}" != 0 ] &&
	    printf 'Stored credential ends: %s\n' \
	    "$(when "$PROXY_RENEWD_CREDENTIAL_END_TIME")"
	# credential-expiring: which MyProxy server said so, the lead reached
	[ -n "${PROXY_RENEWD_CREDENTIAL_SERVER:-}" ] &&
	    printf 'Stored on:        %s\n' "$PROXY_RENEWD_CREDENTIAL_SERVER"
	[ "${PROXY_RENEWD_WARNING_LEAD:-0}" != 0 ] &&
	    printf 'Warning lead:     %s h\n' \
	    "$((PROXY_RENEWD_WARNING_LEAD / 3600))"
	printf 'Failures in a row: %s\n' "$PROXY_RENEWD_FAILURES"
	[ -n "$PROXY_RENEWD_FAILURE_CLASS" ] &&
	    printf 'Failure class:    %s\n' "$PROXY_RENEWD_FAILURE_CLASS"
	[ -n "$PROXY_RENEWD_MESSAGE" ] &&
	    printf '\nWhat the server said:\n  %s\n' "$PROXY_RENEWD_MESSAGE"
	if [ "$PROXY_RENEWD_EVENT" = credential-expiring ]; then
		printf '\nThe long-term credential in MyProxy ends soon: its owner '
		printf 'should store a new one\n(myproxy-init -d -n, with this '
		printf 'service as renewer) before it does.\n'
	fi
	if [ "$PROXY_RENEWD_FAILURE_CLASS" = needs-user-action ]; then
		printf '\nOnly the credential owner can fix this: store a new '
		printf 'credential with myproxy-init -d -n\n(with this service '
		printf 'as renewer) on the MyProxy server.\n'
	fi
} | $mailer
