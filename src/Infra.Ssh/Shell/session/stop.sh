# Kills a timed-out command's whole session, found by its tag (bash -s TAG): sshd refuses SSH "signal" requests for
# root logins, and a signal to the shell alone would leave its children running.
# inputs: TAG
pid=$(pgrep -o -f -- "bash -s $TAG\$") || exit 0
sid=$(ps -o sid= -p "$pid" | tr -d ' ')
[ -n "$sid" ] || exit 0
pkill -TERM -s "$sid"
sleep 0.2
pkill -KILL -s "$sid"
exit 0
