#!/usr/bin/env bash
# The quick start, as a script: against a running sluice (`make run`), create
# the seed's indexes, ingest the sample batch-inference outputs in
# examples/data/ with the seed's batch-ingestion requests, wait for the tasks
# and run a k-NN query — printing every request and response.
#
#   make run &                 # serves http://127.0.0.1:9200 on ./data
#   examples/quickstart.sh
#
# The server reads local files only under its file root (by default
# <data-dir>/import), so the script first copies examples/data/* into
# $SLUICE_IMPORT_DIR/examples/.
#
# Environment:
#   SLUICE_URL         the server (default http://127.0.0.1:9200)
#   SLUICE_IMPORT_DIR  the server's file root (default <repo>/data/import, which
#                      is where `make run` serves from)
#   SLUICE_WAIT_S      seconds to wait for the server to answer (default 20)
#
# It deletes and recreates its own three indexes (my-nlp-index,
# my-nlp-index-openai, bedrock-index). Needs bash, curl and sed. Exits non-zero
# if any step fails
# or the k-NN query does not find the expected document first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
url="${SLUICE_URL:-http://127.0.0.1:9200}"
url="${url%/}"
import_dir="${SLUICE_IMPORT_DIR:-$here/../data/import}"

# call METHOD PATH [BODY]: prints the request and the response; the response
# body is left in $body and the status in $status.
call() {
  local method="$1" path="$2" data="${3:-}" shown
  shown="$data"
  if ((${#shown} > 400)); then shown="${shown:0:400}... (${#data} bytes)"; fi
  echo
  echo "=> $method $path"
  if [[ -n "$data" ]]; then echo "$shown"; fi
  local out
  if [[ -n "$data" ]]; then
    out="$(curl -sS -X "$method" -H 'Content-Type: application/json' --data-binary "$data" \
      -w '\n%{http_code}' "$url$path")"
  else
    out="$(curl -sS -X "$method" -w '\n%{http_code}' "$url$path")"
  fi
  status="${out##*$'\n'}"
  body="${out%$'\n'*}"
  echo "<= $status"
  echo "$body"
}

expect() {  # expect STATUS...: fail unless $status is one of them
  local s
  for s in "$@"; do [[ "$status" == "$s" ]] && return 0; done
  echo "quickstart: expected HTTP $*, got $status" >&2
  exit 1
}

# json_string KEY: the first "KEY":"value" in $body.
json_string() {
  grep -o "\"$1\":\"[^\"]*\"" <<<"$body" | head -n 1 | sed 's/.*:"\(.*\)"/\1/' || true
}

# wait_task ID [EXPECTED]: polls the task until it is final; fails unless it
# ends EXPECTED (default COMPLETED).
wait_task() {
  local id="$1" expected="${2:-COMPLETED}" state="" i
  for ((i = 0; i < 600; i++)); do
    body="$(curl -sS "$url/_plugins/_ml/tasks/$id")"
    state="$(json_string state)"
    case "$state" in COMPLETED | COMPLETED_WITH_ERROR | FAILED | CANCELLED) break ;; esac
    sleep 0.1
  done
  echo
  echo "=> GET /_plugins/_ml/tasks/$id   (polled until final)"
  echo "<= $body"
  if [[ "$state" != "$expected" ]]; then
    echo "quickstart: task $id ended ${state:-unknown}" >&2
    exit 1
  fi
}

# ingest BODY [EXPECTED]: submits a batch ingestion and waits for its task.
ingest() {
  call POST /_plugins/_ml/_batch_ingestion "$1"
  if [[ "$status" == 403 ]]; then
    echo "quickstart: the server may not read $data: set SLUICE_IMPORT_DIR to its" \
      "--file-root (default <its data dir>/import)" >&2
  fi
  expect 200
  wait_task "$(json_string task_id)" "${2:-COMPLETED}"
}

knn_field() {  # knn_field DIM: a knn_vector mapping like the seed's
  echo '{"type":"knn_vector","dimension":'"$1"',"method":{"engine":"nmslib","space_type":"cosinesimil","name":"hnsw","parameters":{"ef_construction":512,"m":16}}}'
}

echo "quickstart: sluice at $url, sample files copied to $import_dir/examples/"
up=""
for ((i = 0; i < ${SLUICE_WAIT_S:-20} * 5; i++)); do
  if curl -sS -o /dev/null "$url/" 2>/dev/null; then up=1 && break; fi
  sleep 0.2
done
if [[ -z "$up" ]]; then
  echo "quickstart: no sluice answers at $url (start one with 'make run', or set SLUICE_URL)" >&2
  exit 1
fi
mkdir -p "$import_dir/examples"
cp "$here"/data/*.json* "$import_dir/examples/"
chmod u+w "$import_dir"/examples/*
data="$(cd "$import_dir/examples" && pwd)"

call GET /
expect 200

# 1. The seed's single-file example: SageMaker batch-transform output.
call DELETE /my-nlp-index
expect 200 404
call PUT /my-nlp-index '{"settings":{"index.knn":true},"mappings":{"properties":{
  "id":{"type":"text"},
  "chapter_embedding":'"$(knn_field 384)"',"chapter":{"type":"text"},
  "title_embedding":'"$(knn_field 384)"',"title":{"type":"text"}}}}'
expect 200
ingest '{"index_name":"my-nlp-index",
  "field_map":{"chapter":"$.content[0]","title":"$.content[1]",
    "chapter_embedding":"$.SageMakerOutput[0]","title_embedding":"$.SageMakerOutput[1]",
    "_id":"$.id"},
  "ingest_fields":["$.id"],
  "data_source":{"type":"file","source":["'"$data"'/sagemaker_batch.json.out"]}}'

# 2. The seed's three-file OpenAI example: the Batch API's output file (the
#    embeddings, NOT in input order), its input file (question and answer of each
#    request) and a file of extra fields. Question and answer are mapped
#    separately, each with its own embedding. Files are joined by the value of
#    their `_id` path (custom_id). A file without an `_id` path would be joined by
#    position, which is right only with a file in the same order — never with
#    OpenAI's output — so every file here carries its custom_id.
call DELETE /my-nlp-index-openai
expect 200 404
call PUT /my-nlp-index-openai '{"settings":{"index.knn":true},"mappings":{"properties":{
  "question":{"type":"text"},"answer":{"type":"text"},
  "question_embedding":'"$(knn_field 256)"',"answer_embedding":'"$(knn_field 256)"',
  "custom_field1":{"type":"keyword"},"custom_field2":{"type":"keyword"}}}}'
expect 200
ingest '{"index_name":"my-nlp-index-openai",
  "field_map":{"question":"source[1].$.body.input[0]","answer":"source[1].$.body.input[1]",
    "question_embedding":"source[0].$.response.body.data[0].embedding",
    "answer_embedding":"source[0].$.response.body.data[1].embedding",
    "_id":["source[0].$.custom_id","source[1].$.custom_id","source[2].$.custom_id"]},
  "ingest_fields":["source[2].$.custom_field1","source[2].$.custom_field2"],
  "data_source":{"type":"file","source":["'"$data"'/openai_qa_output.jsonl",
    "'"$data"'/openai_qa_input.jsonl","'"$data"'/openai_qa_metadata.jsonl"]}}'
call GET /my-nlp-index-openai/_doc/request-2
expect 200
if ! grep -q '"question":"What is the meaning of work?"' <<<"$body" ||
  ! grep -q '"answer":"The travel was fantastic and the view was wonderful."' <<<"$body" ||
  ! grep -q '"custom_field1":"work"' <<<"$body"; then
  echo "quickstart: request-2 does not have its own question and answer" >&2
  exit 1
fi

# 3. Bedrock (Titan Text Embeddings V2) output; its failed record (Bedrock's own error) is
# reported and the task ends COMPLETED_WITH_ERROR: the other four are indexed.
call DELETE /bedrock-index
expect 200 404
call PUT /bedrock-index '{"settings":{"index.knn":true},"mappings":{"properties":{
  "embedding":'"$(knn_field 256)"',"text":{"type":"text"}}}}'
expect 200
ingest '{"index_name":"bedrock-index",
  "field_map":{"text":"$.modelInput.inputText","embedding":"$.modelOutput.embedding",
    "_id":"$.recordId"},
  "data_source":{"type":"file","source":["'"$data"'/bedrock_titan_v2.jsonl.out"]}}' \
  COMPLETED_WITH_ERROR

# 4. A k-NN query with the chapter embedding of document 2: it must come first.
call GET /_cat/indices?v
expect 200
vector="$(sed -n '2s/^{"SageMakerOutput": \[\(\[[^]]*\]\).*/\1/p' "$here/data/sagemaker_batch.json.out")"
call POST /my-nlp-index/_search '{"size":3,"_source":["title","chapter"],
  "query":{"knn":{"chapter_embedding":{"vector":'"$vector"',"k":3}}}}'
expect 200
first="$(json_string _id)"
echo
if [[ "$first" != 2 ]]; then
  echo "quickstart: expected document 2 first, got '${first}'" >&2
  exit 1
fi
echo "quickstart: OK — the k-NN query found document 2 first"
