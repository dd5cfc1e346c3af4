# renew.etcd-member, check: the member answers, and what it serves on its client and peer ports is the certificate in
# its files (a member whose files were renewed but which still serves the old certificates does not pass).
# CLIENT_AT and PEER_AT are host:port where the member listens (peers on its own address only).
# inputs: LOCAL_CTL[] SERVER_CERT PEER_CERT CLIENT_CERT CLIENT_KEY CA_CERT CLIENT_AT PEER_AT
"${LOCAL_CTL[@]}" endpoint health >/dev/null
served() {
  openssl s_client -connect "$1" -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -CAfile "$CA_CERT" </dev/null 2>/dev/null \
    | openssl x509 -noout -fingerprint -sha256
}
[ "$(served "$CLIENT_AT")" = "$(openssl x509 -noout -fingerprint -sha256 -in "$SERVER_CERT")" ]
[ "$(served "$PEER_AT")" = "$(openssl x509 -noout -fingerprint -sha256 -in "$PEER_CERT")" ]
