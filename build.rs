//! Compiles proto/ into Rust with protox (pure Rust): building FlashQ needs no protoc.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/flashq/v1/record.proto",
        "proto/flashq/v1/produce.proto",
        "proto/flashq/v1/fetch.proto",
        "proto/flashq/v1/admin.proto",
        "proto/flashq/v1/group.proto",
        "proto/flashq/v1/subscribe.proto",
        "proto/flashq/v1/cluster.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let fds = protox::compile(files, ["proto"])?;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    // The descriptor set feeds server reflection, so grpcurl can list and call the services.
    std::fs::write(
        out_dir.join("flashq_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    // Messages and clients, with tonic's prost codec.
    tonic_prost_build::configure()
        .bytes(".")
        .build_server(false)
        .compile_fds(fds.clone())?;
    // Servers alone, over the same messages (extern: not generated twice), with the codec that
    // answers a request that does not decode with INVALID_ARGUMENT (src/wire/codec.rs).
    let servers = out_dir.join("servers");
    std::fs::create_dir_all(&servers)?;
    tonic_prost_build::configure()
        .build_client(false)
        .extern_path(".flashq.v1", "crate::wire::v1")
        .codec_path("crate::wire::codec::RequestCodec")
        .out_dir(&servers)
        .compile_fds(fds)?;
    Ok(())
}
