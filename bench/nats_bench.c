/* JetStream throughput with NATS's own C client (Debian's libnats), for bench/peers.sh: one
 * file-storage stream, asynchronous publish (at most MAX_PENDING in flight, every message
 * acknowledged by the stream before the clock stops), then a pull consumer without acks
 * fetching batches of FETCH_BATCH. Prints "<produce records/s>\t<consume records/s>".
 *
 *   gcc -O2 -o nats_bench bench/nats_bench.c -lnats
 *   ./nats_bench nats://127.0.0.1:4222 1000000 100
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 65536
#define FETCH_BATCH 1000
#define FETCH_TIMEOUT_MS 10000

static void check(natsStatus s, const char *what) {
    if (s != NATS_OK) {
        fprintf(stderr, "%s: %s\n", what, natsStatus_GetText(s));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s URL RECORDS RECORD_BYTES\n", argv[0]);
        return 2;
    }
    long records = atol(argv[2]);
    int size = atoi(argv[3]);
    char *payload = malloc(size);
    memset(payload, 'x', size);

    natsConnection *nc = NULL;
    check(natsConnection_ConnectTo(&nc, argv[1]), "connect");
    jsOptions options;
    jsOptions_Init(&options);
    options.PublishAsync.MaxPending = MAX_PENDING;
    jsCtx *js = NULL;
    check(natsConnection_JetStream(&js, nc, &options), "jetstream");
    jsStreamConfig stream;
    jsStreamConfig_Init(&stream);
    const char *subjects[] = {"peers"};
    stream.Name = "PEERS";
    stream.Subjects = subjects;
    stream.SubjectsLen = 1;
    stream.Storage = js_FileStorage;
    jsErrCode jerr = 0;
    check(js_AddStream(NULL, js, &stream, NULL, &jerr), "add stream");

    int64_t start = nats_Now();
    for (long i = 0; i < records; i++) {
        check(js_PublishAsync(js, "peers", payload, size, NULL), "publish");
    }
    jsPubOptions complete;
    jsPubOptions_Init(&complete);
    complete.MaxWait = 60000;
    check(js_PublishAsyncComplete(js, &complete), "publish complete");
    double produce = records / ((nats_Now() - start) / 1000.0);

    jsSubOptions sub_options;
    jsSubOptions_Init(&sub_options);
    sub_options.Config.AckPolicy = js_AckNone;
    natsSubscription *sub = NULL;
    check(js_PullSubscribe(&sub, js, "peers", "bench", NULL, &sub_options, &jerr), "pull subscribe");
    start = nats_Now();
    long got = 0;
    while (got < records) {
        natsMsgList list = {0};
        int batch = records - got < FETCH_BATCH ? (int)(records - got) : FETCH_BATCH;
        check(natsSubscription_Fetch(&list, sub, batch, FETCH_TIMEOUT_MS, &jerr), "fetch");
        got += list.Count;
        natsMsgList_Destroy(&list);
    }
    double consume = records / ((nats_Now() - start) / 1000.0);
    printf("%.0f\t%.0f\n", produce, consume);

    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(payload);
    return 0;
}
