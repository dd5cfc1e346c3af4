# infra_etcd_unit prints the unit for the etcd found on PATH (/usr/local/bin from the tool, /usr/bin from a distribution).
# inputs: MANAGED_MARKER ETCD_MEMBER ETCD_CLUSTER ETCD_USER ENV_FILE INITIAL_CLUSTER_FILE
infra_etcd_unit() {
  cat <<EOF_UNIT
$MANAGED_MARKER
[Unit]
Description=etcd member $ETCD_MEMBER of cluster $ETCD_CLUSTER
Documentation=https://etcd.io/docs
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
User=$ETCD_USER
Group=$ETCD_USER
EnvironmentFile=$ENV_FILE
EnvironmentFile=-$INITIAL_CLUSTER_FILE
ExecStart=$(command -v etcd)
Restart=always
RestartSec=5
# Ready means a majority answered; after a power loss that may take until the other members are back.
TimeoutStartSec=infinity
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
EOF_UNIT
}
