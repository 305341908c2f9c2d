
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'flashq' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'flashq'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'flashq' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the broker')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Append records to a topic')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read records from a topic')
            [CompletionResult]::new('subscribe', 'subscribe', [CompletionResultType]::ParameterValue, 'Stream records as they are appended, until Ctrl-C')
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, configure and delete topics')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'List, describe, reset and delete consumer groups, or commit offsets for one')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Cluster members, liveness, partition leaders and in-sync replicas')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure throughput and latency of a broker or of the log alone')
            [CompletionResult]::new('inspect-log', 'inspect-log', [CompletionResultType]::ParameterValue, 'Summarise, dump and verify segment files offline (read-only)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the config file: interactive on a terminal, or from flags for scripts')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Explore FlashQ from a menu, on a throwaway in-memory broker')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write every shell''s script to a dir')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages: flashq.1 and one page per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on; port 0 picks a free port. The bound address is the first line of stdout')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data dir [default: config file''s data_dir, else the platform data dir]')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Where records are kept')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'When appends reach the disk: always (acked = fsynced, group commit), interval:<ms>, never [default: always]')
            [CompletionResult]::new('--default-partitions', '--default-partitions', [CompletionResultType]::ParameterName, 'Partitions of topics created without a count')
            [CompletionResult]::new('--max-record-bytes', '--max-record-bytes', [CompletionResultType]::ParameterName, 'Largest record accepted (key + value + headers)')
            [CompletionResult]::new('--max-batch-bytes', '--max-batch-bytes', [CompletionResultType]::ParameterName, 'Largest produce batch accepted (sum of record sizes)')
            [CompletionResult]::new('--retention-check-interval-ms', '--retention-check-interval-ms', [CompletionResultType]::ParameterName, 'How often retention deletes expired segments')
            [CompletionResult]::new('--metrics-listen', '--metrics-listen', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics on http://ADDR/metrics (port 0 picks a free port; its address is printed on stderr) [default: off]')
            [CompletionResult]::new('--auth-tokens', '--auth-tokens', [CompletionResultType]::ParameterName, 'Require a bearer token on every FlashQ RPC: a TOML file of principals, their tokens and their produce/consume/admin rights per topic prefix (see docs/operations.md) [default: off]')
            [CompletionResult]::new('--tls-client-ca', '--tls-client-ca', [CompletionResultType]::ParameterName, 'Mutual TLS: accept only clients whose certificate is signed by a CA in this PEM file; needs --tls-cert and --tls-key, which turn TLS on [default: off]')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most client connections served at once; a connection over the limit is closed as soon as it is accepted (and a warning logged, at most every 10 s)')
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'This broker''s id in a cluster; with --cluster-listen and --peers (or --join) it is a cluster broker [default: a single broker, no cluster]')
            [CompletionResult]::new('--cluster-listen', '--cluster-listen', [CompletionResultType]::ParameterName, 'Address for cluster traffic (Raft, replication), on a fixed port: peers dial it (port 0 is allowed with --join)')
            [CompletionResult]::new('--peers', '--peers', [CompletionResultType]::ParameterName, 'Every voter''s cluster address, this broker''s included: ID=HOST:PORT,ID=HOST:PORT,...')
            [CompletionResult]::new('--join', '--join', [CompletionResultType]::ParameterName, 'Join a running cluster through any live broker''s cluster address (HOST:PORT), as a learner that copies the metadata; `flashq cluster add-broker N` makes it a voter')
            [CompletionResult]::new('--advertised-address', '--advertised-address', [CompletionResultType]::ParameterName, 'Where clients reach this broker, as registered with the cluster [default: the bound --listen address]')
            [CompletionResult]::new('--heartbeat-interval-ms', '--heartbeat-interval-ms', [CompletionResultType]::ParameterName, 'How often a cluster broker heartbeats to the controller')
            [CompletionResult]::new('--broker-session-timeout-ms', '--broker-session-timeout-ms', [CompletionResultType]::ParameterName, 'How long a cluster broker may go without a heartbeat before the controller fences it and moves its partition leaderships')
            [CompletionResult]::new('--default-replication-factor', '--default-replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of topics created without a count (at most the live brokers)')
            [CompletionResult]::new('--min-insync-replicas', '--min-insync-replicas', [CompletionResultType]::ParameterName, 'In a cluster: acks=all produces fail with UNAVAILABLE while fewer replicas than this are in sync (capped at the replication factor)')
            [CompletionResult]::new('--replica-lag-max-ms', '--replica-lag-max-ms', [CompletionResultType]::ParameterName, 'In a cluster: a follower not caught up for this long leaves the ISR; an acks=all produce waits at most twice this for the ISR')
            [CompletionResult]::new('--cluster-secret-file', '--cluster-secret-file', [CompletionResultType]::ParameterName, 'In a cluster: a file holding the secret (16 to 1024 printable characters) every broker shows on the cluster listener; calls without it are refused [default: off, any caller]')
            [CompletionResult]::new('--cluster-tls-cert', '--cluster-tls-cert', [CompletionResultType]::ParameterName, 'In a cluster: this broker''s certificate (PEM) for mutual TLS on the cluster listener, allowing server and client authentication and naming its host in --peers; needs --cluster-tls-key and --cluster-tls-ca [default: off, plain text]')
            [CompletionResult]::new('--cluster-tls-key', '--cluster-tls-key', [CompletionResultType]::ParameterName, 'In a cluster: the private key (PEM) of --cluster-tls-cert')
            [CompletionResult]::new('--cluster-tls-ca', '--cluster-tls-ca', [CompletionResultType]::ParameterName, 'In a cluster: the CA (PEM) that signed every broker''s --cluster-tls-cert; peers with a certificate from elsewhere are refused during the handshake')
            [CompletionResult]::new('--kafka-listen', '--kafka-listen', [CompletionResultType]::ParameterName, 'Serve Kafka clients (kcat, librdkafka, the Java client) on ADDR, or `off`; port 0 picks a free port. The bound address is the second line of stdout (docs/kafka.md) [default: 127.0.0.1:9092 when --listen is left at its default, for a single broker without TLS or tokens; else off]')
            [CompletionResult]::new('--kafka-advertised-address', '--kafka-advertised-address', [CompletionResultType]::ParameterName, 'HOST:PORT that Kafka clients are told to connect to [default: the bound --kafka-listen address]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--no-auto-create-topics', '--no-auto-create-topics', [CompletionResultType]::ParameterName, 'Reject produce requests to topics that do not exist instead of creating them')
            [CompletionResult]::new('--join-as-voter', '--join-as-voter', [CompletionResultType]::ParameterName, 'With --join: become a voter as soon as the metadata is copied')
            [CompletionResult]::new('--no-auto-leader-rebalance', '--no-auto-leader-rebalance', [CompletionResultType]::ParameterName, 'In a cluster: do not move leaderships back to preferred replicas (the first of each partition''s list) once they are in sync again')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;produce' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic to produce to')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to produce to')
            [CompletionResult]::new('--value', '--value', [CompletionResultType]::ParameterName, 'Produce one record with this value instead of reading stdin')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Key of the --value record')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key of the --value record')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Header of the --value record, as key=value (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Header of the --value record, as key=value (repeatable)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partition for every record (default: by key hash, or spread when keyless)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Partition for every record (default: by key hash, or spread when keyless)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'How stdin is read')
            [CompletionResult]::new('--key-separator', '--key-separator', [CompletionResultType]::ParameterName, 'With line input: split each line into key and value at the first SEP')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--linger-ms', '--linger-ms', [CompletionResultType]::ParameterName, 'How long a partial batch waits for more input before it is sent')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce at-least-once: no producer session, so a retry may store a record twice (and a cluster gets one batch in flight at a time, to keep the order)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;consume' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic to read')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to read')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partition to read (repeatable; default: all)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Partition to read (repeatable; default: all)')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Start at this offset (clamped to each partition''s range)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start at records from this long ago, like 10m, 2h or 1day')
            [CompletionResult]::new('--from-time', '--from-time', [CompletionResultType]::ParameterName, 'Start at records at or after this time (RFC 3339)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after N records')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Stop after N records')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t')
            [CompletionResult]::new('--value-encoding', '--value-encoding', [CompletionResultType]::ParameterName, 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)')
            [CompletionResult]::new('--auto-commit-interval-ms', '--auto-commit-interval-ms', [CompletionResultType]::ParameterName, 'With --group: commit offsets this often, and always on exit and before a rebalance')
            [CompletionResult]::new('--session-timeout-ms', '--session-timeout-ms', [CompletionResultType]::ParameterName, 'With --group: the member''s session timeout; a member silent this long is removed')
            [CompletionResult]::new('--assignor', '--assignor', [CompletionResultType]::ParameterName, 'With --group: how the group splits partitions among members')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--from-beginning', '--from-beginning', [CompletionResultType]::ParameterName, 'Start at the first record still in the log')
            [CompletionResult]::new('--from-end', '--from-end', [CompletionResultType]::ParameterName, 'Start after the last record: only new records')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep waiting for new records instead of stopping at the end')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep waiting for new records instead of stopping at the end')
            [CompletionResult]::new('--no-commit', '--no-commit', [CompletionResultType]::ParameterName, 'With --group: never commit offsets (the group''s offsets stay where they are)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;subscribe' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic to stream')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to stream')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partition to stream (repeatable; default: all)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Partition to stream (repeatable; default: all)')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Start at this offset (clamped to each partition''s range)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start at records from this long ago, like 10m, 2h or 1day')
            [CompletionResult]::new('--from-time', '--from-time', [CompletionResultType]::ParameterName, 'Start at records at or after this time (RFC 3339)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N records')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Exit after N records')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t')
            [CompletionResult]::new('--value-encoding', '--value-encoding', [CompletionResultType]::ParameterName, 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)')
            [CompletionResult]::new('--give-up-after', '--give-up-after', [CompletionResultType]::ParameterName, 'Give up when the broker stays unreachable this long (like 30s) [default: keep trying]')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)')
            [CompletionResult]::new('--auto-commit-interval-ms', '--auto-commit-interval-ms', [CompletionResultType]::ParameterName, 'With --group: commit offsets this often, and always on exit and before a rebalance')
            [CompletionResult]::new('--session-timeout-ms', '--session-timeout-ms', [CompletionResultType]::ParameterName, 'With --group: the member''s session timeout; a member silent this long is removed')
            [CompletionResult]::new('--assignor', '--assignor', [CompletionResultType]::ParameterName, 'With --group: how the group splits partitions among members')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--from-beginning', '--from-beginning', [CompletionResultType]::ParameterName, 'Start at the first record still in the log')
            [CompletionResult]::new('--from-end', '--from-end', [CompletionResultType]::ParameterName, 'Start after the last record: only new records')
            [CompletionResult]::new('--no-commit', '--no-commit', [CompletionResultType]::ParameterName, 'With --group: never commit offsets (the group''s offsets stay where they are)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a topic''s settings and each partition''s offsets and size')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a topic and all its records')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Change a topic''s retention, segment settings or partition count')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions'' JSON)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;topic;create' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Number of partitions [default: the broker''s]')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Number of partitions [default: the broker''s]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition [default: the broker''s, 3 at most the live brokers]')
            [CompletionResult]::new('--retention', '--retention', [CompletionResultType]::ParameterName, 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)')
            [CompletionResult]::new('--retention-bytes', '--retention-bytes', [CompletionResultType]::ParameterName, 'Keep at most about this many bytes per partition (0 is unbounded)')
            [CompletionResult]::new('--segment-bytes', '--segment-bytes', [CompletionResultType]::ParameterName, 'Roll to a new segment at this size')
            [CompletionResult]::new('--segment-age', '--segment-age', [CompletionResultType]::ParameterName, 'Roll to a new segment at this age (like 1d)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Succeed without change when the topic exists')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;list' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;describe' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;delete' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;config' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Raise the partition count to this')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Raise the partition count to this')
            [CompletionResult]::new('--retention', '--retention', [CompletionResultType]::ParameterName, 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)')
            [CompletionResult]::new('--retention-bytes', '--retention-bytes', [CompletionResultType]::ParameterName, 'Keep at most about this many bytes per partition (0 is unbounded)')
            [CompletionResult]::new('--segment-bytes', '--segment-bytes', [CompletionResultType]::ParameterName, 'Roll to a new segment at this size')
            [CompletionResult]::new('--segment-age', '--segment-age', [CompletionResultType]::ParameterName, 'Roll to a new segment at this age (like 1d)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;reassign' {
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'The partition to move')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Its new replicas, the first its preferred leader: like 2,3,4')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'A plan file (- for stdin): {"partitions": [{"topic": "t", "partition": 0, "replicas": [2, 3, 4]}, ...]}')
            [CompletionResult]::new('--throttle-bytes-per-s', '--throttle-bytes-per-s', [CompletionResultType]::ParameterName, 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the moves to finish')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan; change nothing')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Start the moves and return without waiting for them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;topic;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a topic''s settings and each partition''s offsets and size')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a topic and all its records')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Change a topic''s retention, segment settings or partition count')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions'' JSON)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;topic;help;create' {
            break
        }
        'flashq;topic;help;list' {
            break
        }
        'flashq;topic;help;describe' {
            break
        }
        'flashq;topic;help;delete' {
            break
        }
        'flashq;topic;help;config' {
            break
        }
        'flashq;topic;help;reassign' {
            break
        }
        'flashq;topic;help;help' {
            break
        }
        'flashq;group' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List groups with members or committed offsets')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a group''s members and, per partition, committed offset, log end offset and LAG')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets on a topic (a dry run unless --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a group and its committed offsets (refused while it has active members)')
            [CompletionResult]::new('commit', 'commit', [CompletionResultType]::ParameterValue, 'Commit one offset for a group: as an admin while the group is empty, or as a member')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;group;list' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;group;describe' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;group;reset-offsets' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic whose offsets move')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic whose offsets move')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this partition (repeatable; default: all)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only this partition (repeatable; default: all)')
            [CompletionResult]::new('--to-offset', '--to-offset', [CompletionResultType]::ParameterName, 'This offset (clamped to each partition''s range)')
            [CompletionResult]::new('--to-time', '--to-time', [CompletionResultType]::ParameterName, 'The first record at or after this time (RFC 3339), else the end of the partition')
            [CompletionResult]::new('--shift-by', '--shift-by', [CompletionResultType]::ParameterName, 'Move each committed offset by N (negative goes back), clamped to the partition''s range')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--to-earliest', '--to-earliest', [CompletionResultType]::ParameterName, 'The first record still in each partition')
            [CompletionResult]::new('--to-latest', '--to-latest', [CompletionResultType]::ParameterName, 'The end of each partition: skip everything not yet read')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Apply the plan (only while the group has no active members); without it nothing changes')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;group;delete' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;group;commit' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Partition')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Partition')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'The next offset the group will read')
            [CompletionResult]::new('--member-id', '--member-id', [CompletionResultType]::ParameterName, 'Commit as this member (fenced by --generation) instead of as an admin')
            [CompletionResult]::new('--generation', '--generation', [CompletionResultType]::ParameterName, 'The member''s generation')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;group;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List groups with members or committed offsets')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a group''s members and, per partition, committed offset, log end offset and LAG')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets on a topic (a dry run unless --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a group and its committed offsets (refused while it has active members)')
            [CompletionResult]::new('commit', 'commit', [CompletionResultType]::ParameterValue, 'Commit one offset for a group: as an admin while the group is empty, or as a member')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;group;help;list' {
            break
        }
        'flashq;group;help;describe' {
            break
        }
        'flashq;group;help;reset-offsets' {
            break
        }
        'flashq;group;help;delete' {
            break
        }
        'flashq;group;help;commit' {
            break
        }
        'flashq;group;help;help' {
            break
        }
        'flashq;cluster' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The controller, this broker''s Raft role, every broker''s liveness, partition health')
            [CompletionResult]::new('brokers', 'brokers', [CompletionResultType]::ParameterValue, 'Members: role, liveness, last heartbeat, addresses')
            [CompletionResult]::new('partitions', 'partitions', [CompletionResultType]::ParameterValue, 'Partitions: leader, leader epoch, replicas, in-sync replicas')
            [CompletionResult]::new('add-broker', 'add-broker', [CompletionResultType]::ParameterValue, 'Make a broker that joined with `serve --join` a voter of the metadata quorum')
            [CompletionResult]::new('remove-broker', 'remove-broker', [CompletionResultType]::ParameterValue, 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated')
            [CompletionResult]::new('rebalance', 'rebalance', [CompletionResultType]::ParameterValue, 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;cluster;status' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;brokers' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;partitions' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--under-replicated', '--under-replicated', [CompletionResultType]::ParameterName, 'Only partitions with fewer in-sync replicas than replicas, or no leader')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;add-broker' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;remove-broker' {
            [CompletionResult]::new('--throttle-bytes-per-s', '--throttle-bytes-per-s', [CompletionResultType]::ParameterName, 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the moves to finish')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan; change nothing')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Start the moves and return without waiting for them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;rebalance' {
            [CompletionResult]::new('--throttle-bytes-per-s', '--throttle-bytes-per-s', [CompletionResultType]::ParameterName, 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the moves to finish')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Start the moves (and wait for them) instead of printing the plan')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan; change nothing')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Start the moves and return without waiting for them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;cluster;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The controller, this broker''s Raft role, every broker''s liveness, partition health')
            [CompletionResult]::new('brokers', 'brokers', [CompletionResultType]::ParameterValue, 'Members: role, liveness, last heartbeat, addresses')
            [CompletionResult]::new('partitions', 'partitions', [CompletionResultType]::ParameterValue, 'Partitions: leader, leader epoch, replicas, in-sync replicas')
            [CompletionResult]::new('add-broker', 'add-broker', [CompletionResultType]::ParameterValue, 'Make a broker that joined with `serve --join` a voter of the metadata quorum')
            [CompletionResult]::new('remove-broker', 'remove-broker', [CompletionResultType]::ParameterValue, 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated')
            [CompletionResult]::new('rebalance', 'rebalance', [CompletionResultType]::ParameterValue, 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;cluster;help;status' {
            break
        }
        'flashq;cluster;help;brokers' {
            break
        }
        'flashq;cluster;help;partitions' {
            break
        }
        'flashq;cluster;help;add-broker' {
            break
        }
        'flashq;cluster;help;remove-broker' {
            break
        }
        'flashq;cluster;help;rebalance' {
            break
        }
        'flashq;cluster;help;help' {
            break
        }
        'flashq;bench' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Producer throughput and acknowledgement latency')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Consumer throughput (fills the topic first when it holds too few records)')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'End-to-end latency: produce -> subscriber has the record, at --rate')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'The partition log alone, no network: append then read back')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;bench;produce' {
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Records to send (per run, across all producers)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a record count (like 30s)')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Value size in bytes')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions of the benchmark topic')
            [CompletionResult]::new('--producers', '--producers', [CompletionResultType]::ParameterName, 'Parallel producer connections')
            [CompletionResult]::new('--consumers', '--consumers', [CompletionResultType]::ParameterName, 'Parallel consumer connections')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Target records per second across producers (default: as fast as possible; e2e: 10000)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to use [default: bench-<mode>-<pid>]')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Keyed records (bench produce): cycle through this many keys, each record to its key''s partition, so a batch splits into one per partition, as a keyed workload''s does [default: no keys, whole batches to one partition in turn]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of the topic the bench creates [default: the broker''s]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Start an in-process broker on a temp dir instead of using --broker')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce without idempotent producer sessions (bench produce), to measure what they cost')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;bench;consume' {
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Records to send (per run, across all producers)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a record count (like 30s)')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Value size in bytes')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions of the benchmark topic')
            [CompletionResult]::new('--producers', '--producers', [CompletionResultType]::ParameterName, 'Parallel producer connections')
            [CompletionResult]::new('--consumers', '--consumers', [CompletionResultType]::ParameterName, 'Parallel consumer connections')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Target records per second across producers (default: as fast as possible; e2e: 10000)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to use [default: bench-<mode>-<pid>]')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Keyed records (bench produce): cycle through this many keys, each record to its key''s partition, so a batch splits into one per partition, as a keyed workload''s does [default: no keys, whole batches to one partition in turn]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of the topic the bench creates [default: the broker''s]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Start an in-process broker on a temp dir instead of using --broker')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce without idempotent producer sessions (bench produce), to measure what they cost')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;bench;e2e' {
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Records to send (per run, across all producers)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a record count (like 30s)')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Value size in bytes')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions of the benchmark topic')
            [CompletionResult]::new('--producers', '--producers', [CompletionResultType]::ParameterName, 'Parallel producer connections')
            [CompletionResult]::new('--consumers', '--consumers', [CompletionResultType]::ParameterName, 'Parallel consumer connections')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Target records per second across producers (default: as fast as possible; e2e: 10000)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to use [default: bench-<mode>-<pid>]')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Keyed records (bench produce): cycle through this many keys, each record to its key''s partition, so a batch splits into one per partition, as a keyed workload''s does [default: no keys, whole batches to one partition in turn]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of the topic the bench creates [default: the broker''s]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Start an in-process broker on a temp dir instead of using --broker')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce without idempotent producer sessions (bench produce), to measure what they cost')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;bench;load' {
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Records to send (per run, across all producers)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a record count (like 30s)')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Value size in bytes')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions of the benchmark topic')
            [CompletionResult]::new('--producers', '--producers', [CompletionResultType]::ParameterName, 'Parallel producer connections')
            [CompletionResult]::new('--consumers', '--consumers', [CompletionResultType]::ParameterName, 'Parallel consumer connections')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Target records per second across producers (default: as fast as possible; e2e: 10000)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to use [default: bench-<mode>-<pid>]')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Keyed records (bench produce): cycle through this many keys, each record to its key''s partition, so a batch splits into one per partition, as a keyed workload''s does [default: no keys, whole batches to one partition in turn]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of the topic the bench creates [default: the broker''s]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Start an in-process broker on a temp dir instead of using --broker')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce without idempotent producer sessions (bench produce), to measure what they cost')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;bench;storage' {
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Records to send (per run, across all producers)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this long instead of a record count (like 30s)')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Value size in bytes')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Records per produce request')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Partitions of the benchmark topic')
            [CompletionResult]::new('--producers', '--producers', [CompletionResultType]::ParameterName, 'Parallel producer connections')
            [CompletionResult]::new('--consumers', '--consumers', [CompletionResultType]::ParameterName, 'Parallel consumer connections')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Target records per second across producers (default: as fast as possible; e2e: 10000)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to use [default: bench-<mode>-<pid>]')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'In a cluster: when a produce is acknowledged')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Keyed records (bench produce): cycle through this many keys, each record to its key''s partition, so a batch splits into one per partition, as a keyed workload''s does [default: no keys, whole batches to one partition in turn]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'In a cluster: replicas per partition of the topic the bench creates [default: the broker''s]')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--embedded', '--embedded', [CompletionResultType]::ParameterName, 'Start an in-process broker on a temp dir instead of using --broker')
            [CompletionResult]::new('--no-idempotence', '--no-idempotence', [CompletionResultType]::ParameterName, 'Produce without idempotent producer sessions (bench produce), to measure what they cost')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;bench;help' {
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Producer throughput and acknowledgement latency')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Consumer throughput (fills the topic first when it holds too few records)')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'End-to-end latency: produce -> subscriber has the record, at --rate')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'The partition log alone, no network: append then read back')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;bench;help;produce' {
            break
        }
        'flashq;bench;help;consume' {
            break
        }
        'flashq;bench;help;e2e' {
            break
        }
        'flashq;bench;help;load' {
            break
        }
        'flashq;bench;help;storage' {
            break
        }
        'flashq;bench;help;help' {
            break
        }
        'flashq;inspect-log' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'Dump every record')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check CRCs, offset order and index consistency; exit 7 listing every problem')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;init' {
            [CompletionResult]::new('--default-output', '--default-output', [CompletionResultType]::ParameterName, 'Output format client commands use (saved as `output`; -o is how init prints its result)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data dir `flashq serve` uses (saved as `data_dir`)')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Fsync policy `flashq serve` uses: always, interval:<ms> or never (saved as `fsync`)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Ask nothing: write from the flags (and the existing file''s other keys), overwriting it')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Ask nothing: write from the flags (and the existing file''s other keys), overwriting it')
            [CompletionResult]::new('--no-check', '--no-check', [CompletionResultType]::ParameterName, 'Do not try to reach the broker')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;demo' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;completions' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write every shell''s script into this dir instead (flashq.bash, _flashq, flashq.fish, flashq.elv, _flashq.ps1)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Dir to write the pages into (created if missing)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: text]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: the platform config dir''s flashq/config.toml]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for brokers that require one [default: the config file''s token]')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file''s tls_ca, else plain text]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain: for serve, the broker''s (turns TLS on); for client commands, the client''s, for brokers that require one (mutual TLS, with --tls-ca)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr: text for people, json (one object per line) for collectors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results, no notices')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flashq;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the broker')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Append records to a topic')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read records from a topic')
            [CompletionResult]::new('subscribe', 'subscribe', [CompletionResultType]::ParameterValue, 'Stream records as they are appended, until Ctrl-C')
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, configure and delete topics')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'List, describe, reset and delete consumer groups, or commit offsets for one')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Cluster members, liveness, partition leaders and in-sync replicas')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Measure throughput and latency of a broker or of the log alone')
            [CompletionResult]::new('inspect-log', 'inspect-log', [CompletionResultType]::ParameterValue, 'Summarise, dump and verify segment files offline (read-only)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the config file: interactive on a terminal, or from flags for scripts')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Explore FlashQ from a menu, on a throwaway in-memory broker')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write every shell''s script to a dir')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages: flashq.1 and one page per subcommand')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'flashq;help;serve' {
            break
        }
        'flashq;help;produce' {
            break
        }
        'flashq;help;consume' {
            break
        }
        'flashq;help;subscribe' {
            break
        }
        'flashq;help;topic' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a topic''s settings and each partition''s offsets and size')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a topic and all its records')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Change a topic''s retention, segment settings or partition count')
            [CompletionResult]::new('reassign', 'reassign', [CompletionResultType]::ParameterValue, 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions'' JSON)')
            break
        }
        'flashq;help;topic;create' {
            break
        }
        'flashq;help;topic;list' {
            break
        }
        'flashq;help;topic;describe' {
            break
        }
        'flashq;help;topic;delete' {
            break
        }
        'flashq;help;topic;config' {
            break
        }
        'flashq;help;topic;reassign' {
            break
        }
        'flashq;help;group' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List groups with members or committed offsets')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show a group''s members and, per partition, committed offset, log end offset and LAG')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets on a topic (a dry run unless --execute)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a group and its committed offsets (refused while it has active members)')
            [CompletionResult]::new('commit', 'commit', [CompletionResultType]::ParameterValue, 'Commit one offset for a group: as an admin while the group is empty, or as a member')
            break
        }
        'flashq;help;group;list' {
            break
        }
        'flashq;help;group;describe' {
            break
        }
        'flashq;help;group;reset-offsets' {
            break
        }
        'flashq;help;group;delete' {
            break
        }
        'flashq;help;group;commit' {
            break
        }
        'flashq;help;cluster' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The controller, this broker''s Raft role, every broker''s liveness, partition health')
            [CompletionResult]::new('brokers', 'brokers', [CompletionResultType]::ParameterValue, 'Members: role, liveness, last heartbeat, addresses')
            [CompletionResult]::new('partitions', 'partitions', [CompletionResultType]::ParameterValue, 'Partitions: leader, leader epoch, replicas, in-sync replicas')
            [CompletionResult]::new('add-broker', 'add-broker', [CompletionResultType]::ParameterValue, 'Make a broker that joined with `serve --join` a voter of the metadata quorum')
            [CompletionResult]::new('remove-broker', 'remove-broker', [CompletionResultType]::ParameterValue, 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated')
            [CompletionResult]::new('rebalance', 'rebalance', [CompletionResultType]::ParameterValue, 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)')
            break
        }
        'flashq;help;cluster;status' {
            break
        }
        'flashq;help;cluster;brokers' {
            break
        }
        'flashq;help;cluster;partitions' {
            break
        }
        'flashq;help;cluster;add-broker' {
            break
        }
        'flashq;help;cluster;remove-broker' {
            break
        }
        'flashq;help;cluster;rebalance' {
            break
        }
        'flashq;help;bench' {
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Producer throughput and acknowledgement latency')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Consumer throughput (fills the topic first when it holds too few records)')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'End-to-end latency: produce -> subscriber has the record, at --rate')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'The partition log alone, no network: append then read back')
            break
        }
        'flashq;help;bench;produce' {
            break
        }
        'flashq;help;bench;consume' {
            break
        }
        'flashq;help;bench;e2e' {
            break
        }
        'flashq;help;bench;load' {
            break
        }
        'flashq;help;bench;storage' {
            break
        }
        'flashq;help;inspect-log' {
            break
        }
        'flashq;help;init' {
            break
        }
        'flashq;help;demo' {
            break
        }
        'flashq;help;completions' {
            break
        }
        'flashq;help;man' {
            break
        }
        'flashq;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
