# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_flashq_global_optspecs
    string join \n broker= o/output= config= token= tls-ca= tls-cert= tls-key= q/quiet v/verbose log-format= h/help V/version
end

function __fish_flashq_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_flashq_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_flashq_using_subcommand
    set -l cmd (__fish_flashq_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c flashq -n "__fish_flashq_needs_command" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_needs_command" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_needs_command" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_needs_command" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_needs_command" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_needs_command" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_needs_command" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_needs_command" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_needs_command" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_needs_command" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_needs_command" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "serve" -d 'Run the broker'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "produce" -d 'Append records to a topic'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "consume" -d 'Read records from a topic'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "subscribe" -d 'Stream records as they are appended, until Ctrl-C'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "topic" -d 'Create, list, describe, configure and delete topics'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "group" -d 'List, describe, reset and delete consumer groups, or commit offsets for one'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "cluster" -d 'Cluster members, liveness, partition leaders and in-sync replicas'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "bench" -d 'Measure throughput and latency of a broker or of the log alone'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "inspect-log" -d 'Summarise, dump and verify segment files offline (read-only)'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "init" -d 'Write the config file: interactive on a terminal, or from flags for scripts'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "demo" -d 'Explore FlashQ from a menu, on a throwaway in-memory broker'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "completions" -d 'Print a shell completion script, or write every shell\'s script to a dir'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "man" -d 'Write man pages: flashq.1 and one page per subcommand'
complete -c flashq -n "__fish_flashq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l listen -d 'Address to listen on; port 0 picks a free port. The bound address is the first line of stdout' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l data-dir -d 'Data dir [default: config file\'s data_dir, else the platform data dir]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l storage -d 'Where records are kept' -r -f -a "file\t'Segment files in the data dir'
memory\t'In memory: nothing survives a restart'"
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l fsync -d 'When appends reach the disk: always (acked = fsynced, group commit), interval:<ms>, never [default: always]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l default-partitions -d 'Partitions of topics created without a count' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l max-record-bytes -d 'Largest record accepted (key + value + headers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l max-batch-bytes -d 'Largest produce batch accepted (sum of record sizes)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l retention-check-interval-ms -d 'How often retention deletes expired segments' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l metrics-listen -d 'Serve Prometheus metrics on http://ADDR/metrics (port 0 picks a free port; its address is printed on stderr) [default: off]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l auth-tokens -d 'Require a bearer token on every FlashQ RPC: a TOML file of principals, their tokens and their produce/consume/admin rights per topic prefix (see docs/operations.md) [default: off]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l tls-client-ca -d 'Mutual TLS: accept only clients whose certificate is signed by a CA in this PEM file; needs --tls-cert and --tls-key, which turn TLS on [default: off]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l max-connections -d 'Most client connections served at once; a connection over the limit is closed as soon as it is accepted (and a warning logged, at most every 10 s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l node-id -d 'This broker\'s id in a cluster; with --cluster-listen and --peers (or --join) it is a cluster broker [default: a single broker, no cluster]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l cluster-listen -d 'Address for cluster traffic (Raft, replication), on a fixed port: peers dial it (port 0 is allowed with --join)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l peers -d 'Every voter\'s cluster address, this broker\'s included: ID=HOST:PORT,ID=HOST:PORT,...' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l join -d 'Join a running cluster through any live broker\'s cluster address (HOST:PORT), as a learner that copies the metadata; `flashq cluster add-broker N` makes it a voter' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l advertised-address -d 'Where clients reach this broker, as registered with the cluster [default: the bound --listen address]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l heartbeat-interval-ms -d 'How often a cluster broker heartbeats to the controller' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l broker-session-timeout-ms -d 'How long a cluster broker may go without a heartbeat before the controller fences it and moves its partition leaderships' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l default-replication-factor -d 'In a cluster: replicas per partition of topics created without a count (at most the live brokers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l min-insync-replicas -d 'In a cluster: acks=all produces fail with UNAVAILABLE while fewer replicas than this are in sync (capped at the replication factor)' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l replica-lag-max-ms -d 'In a cluster: a follower not caught up for this long leaves the ISR; an acks=all produce waits at most twice this for the ISR' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l cluster-secret-file -d 'In a cluster: a file holding the secret (16 to 1024 printable characters) every broker shows on the cluster listener; calls without it are refused [default: off, any caller]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l cluster-tls-cert -d 'In a cluster: this broker\'s certificate (PEM) for mutual TLS on the cluster listener, allowing server and client authentication and naming its host in --peers; needs --cluster-tls-key and --cluster-tls-ca [default: off, plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l cluster-tls-key -d 'In a cluster: the private key (PEM) of --cluster-tls-cert' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l cluster-tls-ca -d 'In a cluster: the CA (PEM) that signed every broker\'s --cluster-tls-cert; peers with a certificate from elsewhere are refused during the handshake' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l kafka-listen -d 'Serve Kafka clients (kcat, librdkafka, the Java client) on ADDR, or `off`; port 0 picks a free port. The bound address is the second line of stdout (docs/kafka.md) [default: 127.0.0.1:9092 when --listen is left at its default, for a single broker without TLS or tokens; else off]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l kafka-advertised-address -d 'HOST:PORT that Kafka clients are told to connect to [default: the bound --kafka-listen address]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l no-auto-create-topics -d 'Reject produce requests to topics that do not exist instead of creating them'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l join-as-voter -d 'With --join: become a voter as soon as the metadata is copied'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -l no-auto-leader-rebalance -d 'In a cluster: do not move leaderships back to preferred replicas (the first of each partition\'s list) once they are in sync again'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand serve" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s t -l topic -d 'Topic to produce to' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l value -d 'Produce one record with this value instead of reading stdin' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s k -l key -d 'Key of the --value record' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s H -l header -d 'Header of the --value record, as key=value (repeatable)' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s p -l partition -d 'Partition for every record (default: by key hash, or spread when keyless)' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l input -d 'How stdin is read' -r -f -a "lines\t'One record value per line (see --key-separator)'
json\t'One JSON object per line: value, key, headers, partition, timestamp_ms, encodings'"
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l key-separator -d 'With line input: split each line into key and value at the first SEP' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l linger-ms -d 'How long a partial batch waits for more input before it is sent' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand produce" -l no-idempotence -d 'Produce at-least-once: no producer session, so a retry may store a record twice (and a cluster gets one batch in flight at a time, to keep the order)'
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand produce" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s t -l topic -d 'Topic to read' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s p -l partition -d 'Partition to read (repeatable; default: all)' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l offset -d 'Start at this offset (clamped to each partition\'s range)' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l since -d 'Start at records from this long ago, like 10m, 2h or 1day' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l from-time -d 'Start at records at or after this time (RFC 3339)' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s n -l max -d 'Stop after N records' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l format -d 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \\n \\t' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l value-encoding -d 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)' -r -f -a "utf8\t'UTF-8 text (JSON falls back to base64 for bytes that are not UTF-8)'
hex\t'Lowercase hex'
base64\t'Standard base64 with padding'"
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s g -l group -d 'Read as a member of this consumer group: only the partitions the group assigns, from the group\'s committed offsets, committing as records are printed' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l reset -d 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)' -r -f -a "earliest\t'The first record still in the log (a new group reads the whole topic)'
latest\t'The end of the log (a new group reads only new records)'"
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l auto-commit-interval-ms -d 'With --group: commit offsets this often, and always on exit and before a rebalance' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l session-timeout-ms -d 'With --group: the member\'s session timeout; a member silent this long is removed' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l assignor -d 'With --group: how the group splits partitions among members' -r -f -a "range\t'Consecutive ranges of each topic\'s partitions per member'
roundrobin\t'Partitions dealt to members in turn'
sticky\t'Balanced like range, moving as few partitions as possible on a rebalance'"
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l from-beginning -d 'Start at the first record still in the log'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l from-end -d 'Start after the last record: only new records'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s f -l follow -d 'Keep waiting for new records instead of stopping at the end'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -l no-commit -d 'With --group: never commit offsets (the group\'s offsets stay where they are)'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand consume" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s t -l topic -d 'Topic to stream' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s p -l partition -d 'Partition to stream (repeatable; default: all)' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l offset -d 'Start at this offset (clamped to each partition\'s range)' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l since -d 'Start at records from this long ago, like 10m, 2h or 1day' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l from-time -d 'Start at records at or after this time (RFC 3339)' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s n -l max -d 'Exit after N records' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l format -d 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \\n \\t' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l value-encoding -d 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)' -r -f -a "utf8\t'UTF-8 text (JSON falls back to base64 for bytes that are not UTF-8)'
hex\t'Lowercase hex'
base64\t'Standard base64 with padding'"
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l give-up-after -d 'Give up when the broker stays unreachable this long (like 30s) [default: keep trying]' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s g -l group -d 'Read as a member of this consumer group: only the partitions the group assigns, from the group\'s committed offsets, committing as records are printed' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l reset -d 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)' -r -f -a "earliest\t'The first record still in the log (a new group reads the whole topic)'
latest\t'The end of the log (a new group reads only new records)'"
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l auto-commit-interval-ms -d 'With --group: commit offsets this often, and always on exit and before a rebalance' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l session-timeout-ms -d 'With --group: the member\'s session timeout; a member silent this long is removed' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l assignor -d 'With --group: how the group splits partitions among members' -r -f -a "range\t'Consecutive ranges of each topic\'s partitions per member'
roundrobin\t'Partitions dealt to members in turn'
sticky\t'Balanced like range, moving as few partitions as possible on a rebalance'"
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l from-beginning -d 'Start at the first record still in the log'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l from-end -d 'Start after the last record: only new records'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -l no-commit -d 'With --group: never commit offsets (the group\'s offsets stay where they are)'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand subscribe" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "create" -d 'Create a topic'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "list" -d 'List topics'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "describe" -d 'Show a topic\'s settings and each partition\'s offsets and size'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "delete" -d 'Delete a topic and all its records'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "config" -d 'Change a topic\'s retention, segment settings or partition count'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "reassign" -d 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions\' JSON)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and not __fish_seen_subcommand_from create list describe delete config reassign help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s p -l partitions -d 'Number of partitions [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l replication-factor -d 'In a cluster: replicas per partition [default: the broker\'s, 3 at most the live brokers]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l retention -d 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l retention-bytes -d 'Keep at most about this many bytes per partition (0 is unbounded)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l segment-bytes -d 'Roll to a new segment at this size' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l segment-age -d 'Roll to a new segment at this age (like 1d)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -l if-not-exists -d 'Succeed without change when the topic exists'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s p -l partitions -d 'Raise the partition count to this' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l retention -d 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l retention-bytes -d 'Keep at most about this many bytes per partition (0 is unbounded)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l segment-bytes -d 'Roll to a new segment at this size' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l segment-age -d 'Roll to a new segment at this age (like 1d)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l partition -d 'The partition to move' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l replicas -d 'Its new replicas, the first its preferred leader: like 2,3,4' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l plan -d 'A plan file (- for stdin): {"partitions": [{"topic": "t", "partition": 0, "replicas": [2, 3, 4]}, ...]}' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l throttle-bytes-per-s -d 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l timeout -d 'How long to wait for the moves to finish' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l dry-run -d 'Print the plan; change nothing'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -l no-wait -d 'Start the moves and return without waiting for them'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from reassign" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a topic'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "list" -d 'List topics'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Show a topic\'s settings and each partition\'s offsets and size'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a topic and all its records'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "config" -d 'Change a topic\'s retention, segment settings or partition count'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "reassign" -d 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions\' JSON)'
complete -c flashq -n "__fish_flashq_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "list" -d 'List groups with members or committed offsets'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "describe" -d 'Show a group\'s members and, per partition, committed offset, log end offset and LAG'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets on a topic (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "delete" -d 'Delete a group and its committed offsets (refused while it has active members)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "commit" -d 'Commit one offset for a group: as an admin while the group is empty, or as a member'
complete -c flashq -n "__fish_flashq_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets delete commit help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s t -l topic -d 'Topic whose offsets move' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s p -l partition -d 'Only this partition (repeatable; default: all)' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-offset -d 'This offset (clamped to each partition\'s range)' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-time -d 'The first record at or after this time (RFC 3339), else the end of the partition' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l shift-by -d 'Move each committed offset by N (negative goes back), clamped to the partition\'s range' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-earliest -d 'The first record still in each partition'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-latest -d 'The end of each partition: skip everything not yet read'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l execute -d 'Apply the plan (only while the group has no active members); without it nothing changes'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s t -l topic -d 'Topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s p -l partition -d 'Partition' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l offset -d 'The next offset the group will read' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l member-id -d 'Commit as this member (fenced by --generation) instead of as an admin' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l generation -d 'The member\'s generation' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from commit" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'List groups with members or committed offsets'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Show a group\'s members and, per partition, committed offset, log end offset and LAG'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets on a topic (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a group and its committed offsets (refused while it has active members)'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "commit" -d 'Commit one offset for a group: as an admin while the group is empty, or as a member'
complete -c flashq -n "__fish_flashq_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "status" -d 'The controller, this broker\'s Raft role, every broker\'s liveness, partition health'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "brokers" -d 'Members: role, liveness, last heartbeat, addresses'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "partitions" -d 'Partitions: leader, leader epoch, replicas, in-sync replicas'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "add-broker" -d 'Make a broker that joined with `serve --join` a voter of the metadata quorum'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "remove-broker" -d 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "rebalance" -d 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions add-broker remove-broker rebalance help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l under-replicated -d 'Only partitions with fewer in-sync replicas than replicas, or no leader'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from add-broker" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l throttle-bytes-per-s -d 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l timeout -d 'How long to wait for the moves to finish' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l dry-run -d 'Print the plan; change nothing'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -l no-wait -d 'Start the moves and return without waiting for them'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from remove-broker" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l throttle-bytes-per-s -d 'The most bytes per second each receiving broker copies for the moves (0: unthrottled)' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l timeout -d 'How long to wait for the moves to finish' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l execute -d 'Start the moves (and wait for them) instead of printing the plan'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l dry-run -d 'Print the plan; change nothing'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -l no-wait -d 'Start the moves and return without waiting for them'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from rebalance" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "status" -d 'The controller, this broker\'s Raft role, every broker\'s liveness, partition health'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "brokers" -d 'Members: role, liveness, last heartbeat, addresses'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "partitions" -d 'Partitions: leader, leader epoch, replicas, in-sync replicas'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "add-broker" -d 'Make a broker that joined with `serve --join` a voter of the metadata quorum'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "remove-broker" -d 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "rebalance" -d 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "produce" -d 'Producer throughput and acknowledgement latency'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "consume" -d 'Consumer throughput (fills the topic first when it holds too few records)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "e2e" -d 'End-to-end latency: produce -> subscriber has the record, at --rate'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "load" -d 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "storage" -d 'The partition log alone, no network: append then read back'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and not __fish_seen_subcommand_from produce consume e2e load storage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l records -d 'Records to send (per run, across all producers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l duration -d 'Run for this long instead of a record count (like 30s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l record-size -d 'Value size in bytes' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l partitions -d 'Partitions of the benchmark topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l producers -d 'Parallel producer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l consumers -d 'Parallel consumer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l rate -d 'Target records per second across producers (default: as fast as possible; e2e: 10000)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l fsync -d 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l topic -d 'Topic to use [default: bench-<mode>-<pid>]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l keys -d 'Keyed records (bench produce): cycle through this many keys, each record to its key\'s partition, so a batch splits into one per partition, as a keyed workload\'s does [default: no keys, whole batches to one partition in turn]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l replication-factor -d 'In a cluster: replicas per partition of the topic the bench creates [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l embedded -d 'Start an in-process broker on a temp dir instead of using --broker'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -l no-idempotence -d 'Produce without idempotent producer sessions (bench produce), to measure what they cost'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from produce" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l records -d 'Records to send (per run, across all producers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l duration -d 'Run for this long instead of a record count (like 30s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l record-size -d 'Value size in bytes' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l partitions -d 'Partitions of the benchmark topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l producers -d 'Parallel producer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l consumers -d 'Parallel consumer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l rate -d 'Target records per second across producers (default: as fast as possible; e2e: 10000)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l fsync -d 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l topic -d 'Topic to use [default: bench-<mode>-<pid>]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l keys -d 'Keyed records (bench produce): cycle through this many keys, each record to its key\'s partition, so a batch splits into one per partition, as a keyed workload\'s does [default: no keys, whole batches to one partition in turn]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l replication-factor -d 'In a cluster: replicas per partition of the topic the bench creates [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l embedded -d 'Start an in-process broker on a temp dir instead of using --broker'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -l no-idempotence -d 'Produce without idempotent producer sessions (bench produce), to measure what they cost'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from consume" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l records -d 'Records to send (per run, across all producers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l duration -d 'Run for this long instead of a record count (like 30s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l record-size -d 'Value size in bytes' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l partitions -d 'Partitions of the benchmark topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l producers -d 'Parallel producer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l consumers -d 'Parallel consumer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l rate -d 'Target records per second across producers (default: as fast as possible; e2e: 10000)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l fsync -d 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l topic -d 'Topic to use [default: bench-<mode>-<pid>]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l keys -d 'Keyed records (bench produce): cycle through this many keys, each record to its key\'s partition, so a batch splits into one per partition, as a keyed workload\'s does [default: no keys, whole batches to one partition in turn]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l replication-factor -d 'In a cluster: replicas per partition of the topic the bench creates [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l embedded -d 'Start an in-process broker on a temp dir instead of using --broker'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -l no-idempotence -d 'Produce without idempotent producer sessions (bench produce), to measure what they cost'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from e2e" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l records -d 'Records to send (per run, across all producers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l duration -d 'Run for this long instead of a record count (like 30s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l record-size -d 'Value size in bytes' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l partitions -d 'Partitions of the benchmark topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l producers -d 'Parallel producer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l consumers -d 'Parallel consumer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l rate -d 'Target records per second across producers (default: as fast as possible; e2e: 10000)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l fsync -d 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l topic -d 'Topic to use [default: bench-<mode>-<pid>]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l keys -d 'Keyed records (bench produce): cycle through this many keys, each record to its key\'s partition, so a batch splits into one per partition, as a keyed workload\'s does [default: no keys, whole batches to one partition in turn]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l replication-factor -d 'In a cluster: replicas per partition of the topic the bench creates [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l embedded -d 'Start an in-process broker on a temp dir instead of using --broker'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -l no-idempotence -d 'Produce without idempotent producer sessions (bench produce), to measure what they cost'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from load" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l records -d 'Records to send (per run, across all producers)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l duration -d 'Run for this long instead of a record count (like 30s)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l record-size -d 'Value size in bytes' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l batch-size -d 'Records per produce request' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l partitions -d 'Partitions of the benchmark topic' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l producers -d 'Parallel producer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l consumers -d 'Parallel consumer connections' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l rate -d 'Target records per second across producers (default: as fast as possible; e2e: 10000)' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l fsync -d 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l topic -d 'Topic to use [default: bench-<mode>-<pid>]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l acks -d 'In a cluster: when a produce is acknowledged' -r -f -a "all\t'Once on every in-sync replica, and only while at least --min-insync-replicas are'
1\t'Once the partition leader has written it: faster, lost if the leader dies first'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l keys -d 'Keyed records (bench produce): cycle through this many keys, each record to its key\'s partition, so a batch splits into one per partition, as a keyed workload\'s does [default: no keys, whole batches to one partition in turn]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l replication-factor -d 'In a cluster: replicas per partition of the topic the bench creates [default: the broker\'s]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l embedded -d 'Start an in-process broker on a temp dir instead of using --broker'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -l no-idempotence -d 'Produce without idempotent producer sessions (bench produce), to measure what they cost'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from storage" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "produce" -d 'Producer throughput and acknowledgement latency'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Consumer throughput (fills the topic first when it holds too few records)'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "e2e" -d 'End-to-end latency: produce -> subscriber has the record, at --rate'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "load" -d 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "storage" -d 'The partition log alone, no network: append then read back'
complete -c flashq -n "__fish_flashq_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l records -d 'Dump every record'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -l verify -d 'Check CRCs, offset order and index consistency; exit 7 listing every problem'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand inspect-log" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand init" -l default-output -d 'Output format client commands use (saved as `output`; -o is how init prints its result)' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand init" -l data-dir -d 'Data dir `flashq serve` uses (saved as `data_dir`)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand init" -l fsync -d 'Fsync policy `flashq serve` uses: always, interval:<ms> or never (saved as `fsync`)' -r
complete -c flashq -n "__fish_flashq_using_subcommand init" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand init" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand init" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand init" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand init" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand init" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand init" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand init" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand init" -s y -l yes -d 'Ask nothing: write from the flags (and the existing file\'s other keys), overwriting it'
complete -c flashq -n "__fish_flashq_using_subcommand init" -l no-check -d 'Do not try to reach the broker'
complete -c flashq -n "__fish_flashq_using_subcommand init" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand init" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand init" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand demo" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand demo" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand demo" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand demo" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand demo" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l out-dir -d 'Write every shell\'s script into this dir instead (flashq.bash, _flashq, flashq.fish, flashq.elv, _flashq.ps1)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand completions" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand completions" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand completions" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand completions" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand man" -l out-dir -d 'Dir to write the pages into (created if missing)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand man" -l broker -d 'Broker address: host:port or a URL [default: http://127.0.0.1:50051; https:// with --tls-ca]' -r
complete -c flashq -n "__fish_flashq_using_subcommand man" -s o -l output -d 'Output format [default: text]' -r -f -a "text\t'Human text (tables where a command lists things)'
table\t'Tables'
json\t'JSON: one object per result, NDJSON for record streams'"
complete -c flashq -n "__fish_flashq_using_subcommand man" -l config -d 'Config file [default: the platform config dir\'s flashq/config.toml]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand man" -l token -d 'Bearer token for brokers that require one [default: the config file\'s token]' -r
complete -c flashq -n "__fish_flashq_using_subcommand man" -l tls-ca -d 'Talk TLS to the broker, trusting the CA certificates in this PEM file [default: the config file\'s tls_ca, else plain text]' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand man" -l tls-cert -d 'PEM certificate chain: for serve, the broker\'s (turns TLS on); for client commands, the client\'s, for brokers that require one (mutual TLS, with --tls-ca)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand man" -l tls-key -d 'PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1, unencrypted)' -r -F
complete -c flashq -n "__fish_flashq_using_subcommand man" -l log-format -d 'Log line format on stderr: text for people, json (one object per line) for collectors' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line (timestamp, level, target, fields)'"
complete -c flashq -n "__fish_flashq_using_subcommand man" -s q -l quiet -d 'Print only results, no notices'
complete -c flashq -n "__fish_flashq_using_subcommand man" -s v -l verbose -d 'More log output on stderr (repeat for more)'
complete -c flashq -n "__fish_flashq_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flashq -n "__fish_flashq_using_subcommand man" -s V -l version -d 'Print version'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "serve" -d 'Run the broker'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "produce" -d 'Append records to a topic'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "consume" -d 'Read records from a topic'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "subscribe" -d 'Stream records as they are appended, until Ctrl-C'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "topic" -d 'Create, list, describe, configure and delete topics'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "group" -d 'List, describe, reset and delete consumer groups, or commit offsets for one'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "cluster" -d 'Cluster members, liveness, partition leaders and in-sync replicas'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "bench" -d 'Measure throughput and latency of a broker or of the log alone'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "inspect-log" -d 'Summarise, dump and verify segment files offline (read-only)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "init" -d 'Write the config file: interactive on a terminal, or from flags for scripts'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "demo" -d 'Explore FlashQ from a menu, on a throwaway in-memory broker'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "completions" -d 'Print a shell completion script, or write every shell\'s script to a dir'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "man" -d 'Write man pages: flashq.1 and one page per subcommand'
complete -c flashq -n "__fish_flashq_using_subcommand help; and not __fish_seen_subcommand_from serve produce consume subscribe topic group cluster bench inspect-log init demo completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "create" -d 'Create a topic'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "list" -d 'List topics'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "describe" -d 'Show a topic\'s settings and each partition\'s offsets and size'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "delete" -d 'Delete a topic and all its records'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "config" -d 'Change a topic\'s retention, segment settings or partition count'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "reassign" -d 'In a cluster: move partitions to new replicas (one with --partition and --replicas, or many from a --plan file in kafka-reassign-partitions\' JSON)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'List groups with members or committed offsets'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "describe" -d 'Show a group\'s members and, per partition, committed offset, log end offset and LAG'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "reset-offsets" -d 'Move a group\'s committed offsets on a topic (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete" -d 'Delete a group and its committed offsets (refused while it has active members)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "commit" -d 'Commit one offset for a group: as an admin while the group is empty, or as a member'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "status" -d 'The controller, this broker\'s Raft role, every broker\'s liveness, partition health'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "brokers" -d 'Members: role, liveness, last heartbeat, addresses'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "partitions" -d 'Partitions: leader, leader epoch, replicas, in-sync replicas'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "add-broker" -d 'Make a broker that joined with `serve --join` a voter of the metadata quorum'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "remove-broker" -d 'Move every replica off a broker, then remove it from the cluster; it can be stopped afterwards with nothing under-replicated'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "rebalance" -d 'Spread replicas and preferred leaders evenly over the live brokers (a dry run unless --execute)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "produce" -d 'Producer throughput and acknowledgement latency'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "consume" -d 'Consumer throughput (fills the topic first when it holds too few records)'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "e2e" -d 'End-to-end latency: produce -> subscriber has the record, at --rate'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "load" -d 'Many producers and consumers at once (--producers, --consumers, --duration); fails unless every acknowledged record is delivered once, in order'
complete -c flashq -n "__fish_flashq_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "storage" -d 'The partition log alone, no network: append then read back'
