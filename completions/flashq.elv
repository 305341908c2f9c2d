
use builtin;
use str;

set edit:completion:arg-completer[flashq] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'flashq'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'flashq'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the broker'
            cand produce 'Append records to a topic'
            cand consume 'Read records from a topic'
            cand subscribe 'Stream records as they are appended, until Ctrl-C'
            cand topic 'Create, list, describe, configure and delete topics'
            cand group 'List, describe, reset and delete consumer groups, or commit offsets for one'
            cand cluster 'Cluster members, liveness, partition leaders and in-sync replicas'
            cand bench 'Measure throughput and latency of a broker or of the log alone'
            cand inspect-log 'Summarise, dump and verify segment files offline (read-only)'
            cand init 'Write the config file: interactive on a terminal, or from flags for scripts'
            cand demo 'Explore FlashQ from a menu, on a throwaway in-memory broker'
            cand completions 'Print a shell completion script, or write every shell''s script to a dir'
            cand man 'Write man pages: flashq.1 and one page per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;serve'= {
            cand --listen 'Address to listen on; port 0 picks a free port. The bound address is the first line of stdout'
            cand --data-dir 'Data dir [default: config file''s data_dir, else the platform data dir]'
            cand --storage 'Where records are kept'
            cand --fsync 'When appends reach the disk: always (acked = fsynced, group commit), interval:<ms>, never [default: always]'
            cand --default-partitions 'Partitions of topics created without a count'
            cand --max-record-bytes 'Largest record accepted (key + value + headers)'
            cand --max-batch-bytes 'Largest produce batch accepted (sum of record sizes)'
            cand --retention-check-interval-ms 'How often retention deletes expired segments'
            cand --metrics-listen 'Serve Prometheus metrics on http://ADDR/metrics (port 0 picks a free port; its address is printed on stderr) [default: off]'
            cand --auth-tokens 'Require a bearer token on every FlashQ RPC: a TOML file of principals, their tokens and their produce/consume/admin rights per topic prefix (see docs/operations.md) [default: off]'
            cand --node-id 'This broker''s id in a cluster; with --cluster-listen and --peers it joins the cluster [default: a single broker, no cluster]'
            cand --cluster-listen 'Address for cluster traffic (Raft, replication), on a fixed port: peers dial it'
            cand --peers 'Every voter''s cluster address, this broker''s included: ID=HOST:PORT,ID=HOST:PORT,...'
            cand --advertised-address 'Where clients reach this broker, as registered with the cluster [default: the bound --listen address]'
            cand --heartbeat-interval-ms 'How often a cluster broker heartbeats to the controller'
            cand --broker-session-timeout-ms 'How long a cluster broker may go without a heartbeat before the controller fences it and moves its partition leaderships'
            cand --default-replication-factor 'In a cluster: replicas per partition of topics created without a count (at most the live brokers)'
            cand --min-insync-replicas 'In a cluster: acks=all produces fail with UNAVAILABLE while fewer replicas than this are in sync (capped at the replication factor)'
            cand --replica-lag-max-ms 'In a cluster: a follower not caught up for this long leaves the ISR; an acks=all produce waits at most twice this for the ISR'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --no-auto-create-topics 'Reject produce requests to topics that do not exist instead of creating them'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;produce'= {
            cand -t 'Topic to produce to'
            cand --topic 'Topic to produce to'
            cand --value 'Produce one record with this value instead of reading stdin'
            cand -k 'Key of the --value record'
            cand --key 'Key of the --value record'
            cand -H 'Header of the --value record, as key=value (repeatable)'
            cand --header 'Header of the --value record, as key=value (repeatable)'
            cand -p 'Partition for every record (default: by key hash, or spread when keyless)'
            cand --partition 'Partition for every record (default: by key hash, or spread when keyless)'
            cand --input 'How stdin is read'
            cand --key-separator 'With line input: split each line into key and value at the first SEP'
            cand --batch-size 'Records per produce request'
            cand --linger-ms 'How long a partial batch waits for more input before it is sent'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;consume'= {
            cand -t 'Topic to read'
            cand --topic 'Topic to read'
            cand -p 'Partition to read (repeatable; default: all)'
            cand --partition 'Partition to read (repeatable; default: all)'
            cand --offset 'Start at this offset (clamped to each partition''s range)'
            cand --since 'Start at records from this long ago, like 10m, 2h or 1day'
            cand --from-time 'Start at records at or after this time (RFC 3339)'
            cand -n 'Stop after N records'
            cand --max 'Stop after N records'
            cand --format 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t'
            cand --value-encoding 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)'
            cand -g 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed'
            cand --group 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed'
            cand --reset 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)'
            cand --auto-commit-interval-ms 'With --group: commit offsets this often, and always on exit and before a rebalance'
            cand --session-timeout-ms 'With --group: the member''s session timeout; a member silent this long is removed'
            cand --assignor 'With --group: how the group splits partitions among members'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --from-beginning 'Start at the first record still in the log'
            cand --from-end 'Start after the last record: only new records'
            cand -f 'Keep waiting for new records instead of stopping at the end'
            cand --follow 'Keep waiting for new records instead of stopping at the end'
            cand --no-commit 'With --group: never commit offsets (the group''s offsets stay where they are)'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;subscribe'= {
            cand -t 'Topic to stream'
            cand --topic 'Topic to stream'
            cand -p 'Partition to stream (repeatable; default: all)'
            cand --partition 'Partition to stream (repeatable; default: all)'
            cand --offset 'Start at this offset (clamped to each partition''s range)'
            cand --since 'Start at records from this long ago, like 10m, 2h or 1day'
            cand --from-time 'Start at records at or after this time (RFC 3339)'
            cand -n 'Exit after N records'
            cand --max 'Exit after N records'
            cand --format 'kcat-style format: %t %p %o %k %v %T %h %K %S, escapes \n \t'
            cand --value-encoding 'How keys and values are shown (JSON falls back to base64 for non-UTF-8 bytes)'
            cand --give-up-after 'Give up when the broker stays unreachable this long (like 30s) [default: keep trying]'
            cand -g 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed'
            cand --group 'Read as a member of this consumer group: only the partitions the group assigns, from the group''s committed offsets, committing as records are printed'
            cand --reset 'With --group: where to start in a partition without a committed offset (or whose committed offset is no longer in the log)'
            cand --auto-commit-interval-ms 'With --group: commit offsets this often, and always on exit and before a rebalance'
            cand --session-timeout-ms 'With --group: the member''s session timeout; a member silent this long is removed'
            cand --assignor 'With --group: how the group splits partitions among members'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --from-beginning 'Start at the first record still in the log'
            cand --from-end 'Start after the last record: only new records'
            cand --no-commit 'With --group: never commit offsets (the group''s offsets stay where they are)'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a topic'
            cand list 'List topics'
            cand describe 'Show a topic''s settings and each partition''s offsets and size'
            cand delete 'Delete a topic and all its records'
            cand config 'Change a topic''s retention, segment settings or partition count'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;topic;create'= {
            cand -p 'Number of partitions [default: the broker''s]'
            cand --partitions 'Number of partitions [default: the broker''s]'
            cand --replication-factor 'In a cluster: replicas per partition [default: the broker''s, 3 at most the live brokers]'
            cand --retention 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)'
            cand --retention-bytes 'Keep at most about this many bytes per partition (0 is unbounded)'
            cand --segment-bytes 'Roll to a new segment at this size'
            cand --segment-age 'Roll to a new segment at this age (like 1d)'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --if-not-exists 'Succeed without change when the topic exists'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic;list'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic;describe'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic;delete'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic;config'= {
            cand -p 'Raise the partition count to this'
            cand --partitions 'Raise the partition count to this'
            cand --retention 'Delete closed segments older than this (like 7d or 12h; 0 keeps forever)'
            cand --retention-bytes 'Keep at most about this many bytes per partition (0 is unbounded)'
            cand --segment-bytes 'Roll to a new segment at this size'
            cand --segment-age 'Roll to a new segment at this age (like 1d)'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;topic;help'= {
            cand create 'Create a topic'
            cand list 'List topics'
            cand describe 'Show a topic''s settings and each partition''s offsets and size'
            cand delete 'Delete a topic and all its records'
            cand config 'Change a topic''s retention, segment settings or partition count'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;topic;help;create'= {
        }
        &'flashq;topic;help;list'= {
        }
        &'flashq;topic;help;describe'= {
        }
        &'flashq;topic;help;delete'= {
        }
        &'flashq;topic;help;config'= {
        }
        &'flashq;topic;help;help'= {
        }
        &'flashq;group'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List groups with members or committed offsets'
            cand describe 'Show a group''s members and, per partition, committed offset, log end offset and LAG'
            cand reset-offsets 'Move a group''s committed offsets on a topic (a dry run unless --execute)'
            cand delete 'Delete a group and its committed offsets (refused while it has active members)'
            cand commit 'Commit one offset for a group: as an admin while the group is empty, or as a member'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;group;list'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;group;describe'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;group;reset-offsets'= {
            cand -t 'Topic whose offsets move'
            cand --topic 'Topic whose offsets move'
            cand -p 'Only this partition (repeatable; default: all)'
            cand --partition 'Only this partition (repeatable; default: all)'
            cand --to-offset 'This offset (clamped to each partition''s range)'
            cand --to-time 'The first record at or after this time (RFC 3339), else the end of the partition'
            cand --shift-by 'Move each committed offset by N (negative goes back), clamped to the partition''s range'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --to-earliest 'The first record still in each partition'
            cand --to-latest 'The end of each partition: skip everything not yet read'
            cand --execute 'Apply the plan (only while the group has no active members); without it nothing changes'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;group;delete'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;group;commit'= {
            cand -t 'Topic'
            cand --topic 'Topic'
            cand -p 'Partition'
            cand --partition 'Partition'
            cand --offset 'The next offset the group will read'
            cand --member-id 'Commit as this member (fenced by --generation) instead of as an admin'
            cand --generation 'The member''s generation'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;group;help'= {
            cand list 'List groups with members or committed offsets'
            cand describe 'Show a group''s members and, per partition, committed offset, log end offset and LAG'
            cand reset-offsets 'Move a group''s committed offsets on a topic (a dry run unless --execute)'
            cand delete 'Delete a group and its committed offsets (refused while it has active members)'
            cand commit 'Commit one offset for a group: as an admin while the group is empty, or as a member'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;group;help;list'= {
        }
        &'flashq;group;help;describe'= {
        }
        &'flashq;group;help;reset-offsets'= {
        }
        &'flashq;group;help;delete'= {
        }
        &'flashq;group;help;commit'= {
        }
        &'flashq;group;help;help'= {
        }
        &'flashq;cluster'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'The controller, this broker''s Raft role, every broker''s liveness, partition health'
            cand brokers 'Members: role, liveness, last heartbeat, addresses'
            cand partitions 'Partitions: leader, leader epoch, replicas, in-sync replicas'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;cluster;status'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;cluster;brokers'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;cluster;partitions'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --under-replicated 'Only partitions with fewer in-sync replicas than replicas, or no leader'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;cluster;help'= {
            cand status 'The controller, this broker''s Raft role, every broker''s liveness, partition health'
            cand brokers 'Members: role, liveness, last heartbeat, addresses'
            cand partitions 'Partitions: leader, leader epoch, replicas, in-sync replicas'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;cluster;help;status'= {
        }
        &'flashq;cluster;help;brokers'= {
        }
        &'flashq;cluster;help;partitions'= {
        }
        &'flashq;cluster;help;help'= {
        }
        &'flashq;bench'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand produce 'Producer throughput and acknowledgement latency'
            cand consume 'Consumer throughput (fills the topic first when it holds too few records)'
            cand e2e 'End-to-end latency: produce -> subscriber has the record, at --rate'
            cand storage 'The partition log alone, no network: append then read back'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;bench;produce'= {
            cand --records 'Records to send (per run, across all producers)'
            cand --duration 'Run for this long instead of a record count (like 30s)'
            cand --record-size 'Value size in bytes'
            cand --batch-size 'Records per produce request'
            cand --linger-ms 'Longest a partial batch waits before it is sent (with --rate)'
            cand --partitions 'Partitions of the benchmark topic'
            cand --producers 'Parallel producer connections'
            cand --consumers 'Parallel consumer connections'
            cand --rate 'Target records per second across producers (default: as fast as possible; e2e: 10000)'
            cand --fsync 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never'
            cand --topic 'Topic to use [default: bench-<mode>-<pid>]'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --embedded 'Start an in-process broker on a temp dir instead of using --broker'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;bench;consume'= {
            cand --records 'Records to send (per run, across all producers)'
            cand --duration 'Run for this long instead of a record count (like 30s)'
            cand --record-size 'Value size in bytes'
            cand --batch-size 'Records per produce request'
            cand --linger-ms 'Longest a partial batch waits before it is sent (with --rate)'
            cand --partitions 'Partitions of the benchmark topic'
            cand --producers 'Parallel producer connections'
            cand --consumers 'Parallel consumer connections'
            cand --rate 'Target records per second across producers (default: as fast as possible; e2e: 10000)'
            cand --fsync 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never'
            cand --topic 'Topic to use [default: bench-<mode>-<pid>]'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --embedded 'Start an in-process broker on a temp dir instead of using --broker'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;bench;e2e'= {
            cand --records 'Records to send (per run, across all producers)'
            cand --duration 'Run for this long instead of a record count (like 30s)'
            cand --record-size 'Value size in bytes'
            cand --batch-size 'Records per produce request'
            cand --linger-ms 'Longest a partial batch waits before it is sent (with --rate)'
            cand --partitions 'Partitions of the benchmark topic'
            cand --producers 'Parallel producer connections'
            cand --consumers 'Parallel consumer connections'
            cand --rate 'Target records per second across producers (default: as fast as possible; e2e: 10000)'
            cand --fsync 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never'
            cand --topic 'Topic to use [default: bench-<mode>-<pid>]'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --embedded 'Start an in-process broker on a temp dir instead of using --broker'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;bench;storage'= {
            cand --records 'Records to send (per run, across all producers)'
            cand --duration 'Run for this long instead of a record count (like 30s)'
            cand --record-size 'Value size in bytes'
            cand --batch-size 'Records per produce request'
            cand --linger-ms 'Longest a partial batch waits before it is sent (with --rate)'
            cand --partitions 'Partitions of the benchmark topic'
            cand --producers 'Parallel producer connections'
            cand --consumers 'Parallel consumer connections'
            cand --rate 'Target records per second across producers (default: as fast as possible; e2e: 10000)'
            cand --fsync 'Fsync policy of the embedded broker or storage mode: always, interval:<ms>, never'
            cand --topic 'Topic to use [default: bench-<mode>-<pid>]'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --embedded 'Start an in-process broker on a temp dir instead of using --broker'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;bench;help'= {
            cand produce 'Producer throughput and acknowledgement latency'
            cand consume 'Consumer throughput (fills the topic first when it holds too few records)'
            cand e2e 'End-to-end latency: produce -> subscriber has the record, at --rate'
            cand storage 'The partition log alone, no network: append then read back'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;bench;help;produce'= {
        }
        &'flashq;bench;help;consume'= {
        }
        &'flashq;bench;help;e2e'= {
        }
        &'flashq;bench;help;storage'= {
        }
        &'flashq;bench;help;help'= {
        }
        &'flashq;inspect-log'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand --records 'Dump every record'
            cand --verify 'Check CRCs, offset order and index consistency; exit 7 listing every problem'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;init'= {
            cand --broker-address 'Broker address client commands use (saved as `broker`)'
            cand --default-output 'Output format client commands use (saved as `output`)'
            cand --data-dir 'Data dir `flashq serve` uses (saved as `data_dir`)'
            cand --fsync 'Fsync policy `flashq serve` uses: always, interval:<ms> or never (saved as `fsync`)'
            cand --token 'Auth token to keep for brokers that require one (saved as `token`, file mode 0600)'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -y 'Ask nothing: write from the flags (and the existing file''s other keys), overwriting it'
            cand --yes 'Ask nothing: write from the flags (and the existing file''s other keys), overwriting it'
            cand --no-check 'Do not try to reach the broker'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;demo'= {
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;completions'= {
            cand --out-dir 'Write every shell''s script into this dir instead (flashq.bash, _flashq, flashq.fish, flashq.elv, _flashq.ps1)'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;man'= {
            cand --out-dir 'Dir to write the pages into (created if missing)'
            cand --broker 'Broker address [default: http://127.0.0.1:50051]'
            cand -o 'Output format [default: text]'
            cand --output 'Output format [default: text]'
            cand --config 'Config file [default: the platform config dir''s flashq/config.toml]'
            cand --token 'Bearer token for brokers that require one [default: the config file''s token]'
            cand --log-format 'Log line format on stderr: text for people, json (one object per line) for collectors'
            cand -q 'Print only results, no notices'
            cand --quiet 'Print only results, no notices'
            cand -v 'More log output on stderr (repeat for more)'
            cand --verbose 'More log output on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flashq;help'= {
            cand serve 'Run the broker'
            cand produce 'Append records to a topic'
            cand consume 'Read records from a topic'
            cand subscribe 'Stream records as they are appended, until Ctrl-C'
            cand topic 'Create, list, describe, configure and delete topics'
            cand group 'List, describe, reset and delete consumer groups, or commit offsets for one'
            cand cluster 'Cluster members, liveness, partition leaders and in-sync replicas'
            cand bench 'Measure throughput and latency of a broker or of the log alone'
            cand inspect-log 'Summarise, dump and verify segment files offline (read-only)'
            cand init 'Write the config file: interactive on a terminal, or from flags for scripts'
            cand demo 'Explore FlashQ from a menu, on a throwaway in-memory broker'
            cand completions 'Print a shell completion script, or write every shell''s script to a dir'
            cand man 'Write man pages: flashq.1 and one page per subcommand'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flashq;help;serve'= {
        }
        &'flashq;help;produce'= {
        }
        &'flashq;help;consume'= {
        }
        &'flashq;help;subscribe'= {
        }
        &'flashq;help;topic'= {
            cand create 'Create a topic'
            cand list 'List topics'
            cand describe 'Show a topic''s settings and each partition''s offsets and size'
            cand delete 'Delete a topic and all its records'
            cand config 'Change a topic''s retention, segment settings or partition count'
        }
        &'flashq;help;topic;create'= {
        }
        &'flashq;help;topic;list'= {
        }
        &'flashq;help;topic;describe'= {
        }
        &'flashq;help;topic;delete'= {
        }
        &'flashq;help;topic;config'= {
        }
        &'flashq;help;group'= {
            cand list 'List groups with members or committed offsets'
            cand describe 'Show a group''s members and, per partition, committed offset, log end offset and LAG'
            cand reset-offsets 'Move a group''s committed offsets on a topic (a dry run unless --execute)'
            cand delete 'Delete a group and its committed offsets (refused while it has active members)'
            cand commit 'Commit one offset for a group: as an admin while the group is empty, or as a member'
        }
        &'flashq;help;group;list'= {
        }
        &'flashq;help;group;describe'= {
        }
        &'flashq;help;group;reset-offsets'= {
        }
        &'flashq;help;group;delete'= {
        }
        &'flashq;help;group;commit'= {
        }
        &'flashq;help;cluster'= {
            cand status 'The controller, this broker''s Raft role, every broker''s liveness, partition health'
            cand brokers 'Members: role, liveness, last heartbeat, addresses'
            cand partitions 'Partitions: leader, leader epoch, replicas, in-sync replicas'
        }
        &'flashq;help;cluster;status'= {
        }
        &'flashq;help;cluster;brokers'= {
        }
        &'flashq;help;cluster;partitions'= {
        }
        &'flashq;help;bench'= {
            cand produce 'Producer throughput and acknowledgement latency'
            cand consume 'Consumer throughput (fills the topic first when it holds too few records)'
            cand e2e 'End-to-end latency: produce -> subscriber has the record, at --rate'
            cand storage 'The partition log alone, no network: append then read back'
        }
        &'flashq;help;bench;produce'= {
        }
        &'flashq;help;bench;consume'= {
        }
        &'flashq;help;bench;e2e'= {
        }
        &'flashq;help;bench;storage'= {
        }
        &'flashq;help;inspect-log'= {
        }
        &'flashq;help;init'= {
        }
        &'flashq;help;demo'= {
        }
        &'flashq;help;completions'= {
        }
        &'flashq;help;man'= {
        }
        &'flashq;help;help'= {
        }
    ]
    $completions[$command]
}
