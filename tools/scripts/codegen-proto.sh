#!/usr/bin/env bash
# Regenerates the TypeScript of every .proto under proto/ into libs/contracts/proto/src/generated
# (ts-proto, grpc-js service definitions, 64-bit integers as bigint). CI runs it and fails when
# the output differs from what is committed. Needs Debian's protoc (protobuf-compiler).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=libs/contracts/proto/src/generated
rm -rf "$out"
mkdir -p "$out"
mapfile -t protos < <(find proto -name '*.proto' | sort)
protoc \
  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_opt=outputServices=grpc-js,env=node,forceLong=bigint,esModuleInterop=true,useExactTypes=false,outputJsonMethods=false \
  -I proto -I /usr/include \
  --ts_proto_out="$out" \
  "${protos[@]}"
npx prettier --log-level warn --write "$out"
