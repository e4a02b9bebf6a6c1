#include "index/index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "index/document_record.h"
#include "index/test_store.h"
#include "storage/store.h"
#include "vector/vector_index.h"

namespace sluice::index {
namespace {

using ::testing::HasSubstr;

WriteOp Op(OpType type, std::string id, std::string source = "") {
  WriteOp op;
  op.type = type;
  op.id = std::move(id);
  op.source = std::move(source);
  return op;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { Create(""); }

  void Create(std::string_view settings_json, std::string_view mappings_json = "") {
    auto settings = IndexSettings::Parse(settings_json);
    ASSERT_TRUE(settings.ok()) << settings.status().ToString();
    Mapping mapping;
    if (!mappings_json.empty()) {
      auto m = Mapping::Parse(mappings_json, settings->knn());
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      mapping = *m;
    }
    index_.reset();
    auto i = Index::Create(store_.get(), "idx", *settings, mapping, options_);
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
  }

  // Closes the index and the store, reopens both and loads the index from its metadata.
  void Reopen() {
    index_.reset();
    store_.Reopen();
    auto meta = store_->Get(storage::Column::kMeta, "index/idx");
    ASSERT_TRUE(meta.ok() && meta->has_value());
    auto i = Index::Open(store_.get(), "idx", **meta, options_);
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
  }

  WriteResult One(WriteOp op) {
    std::vector<WriteOp> ops;
    ops.push_back(std::move(op));
    return index_->Write(std::move(ops))[0];
  }

  std::string Source(std::string_view id) {
    auto d = index_->Get(id);
    EXPECT_TRUE(d.ok());
    return d.ok() && d->has_value() ? (*d)->source : "<missing>";
  }

  testutil::TempStore store_;
  IndexOptions options_ = testutil::OneThread();
  std::shared_ptr<Index> index_;
};

void ExpectResult(const WriteResult& r, const std::string& result, int64_t version,
                  int64_t seq_no) {
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.result, result);
  EXPECT_EQ(r.version, version);
  EXPECT_EQ(r.seq_no, seq_no);
}

TEST_F(IndexTest, VersionsAndSeqNosFollowOpenSearch) {
  ExpectResult(One(Op(OpType::kIndex, "1", R"({"a":1})")), "created", 1, 0);
  ExpectResult(One(Op(OpType::kIndex, "1", R"({"a":2})")), "updated", 2, 1);
  ExpectResult(One(Op(OpType::kIndex, "2", R"({"a":3})")), "created", 1, 2);
  ExpectResult(One(Op(OpType::kDelete, "1")), "deleted", 3, 3);
  WriteResult again = One(Op(OpType::kDelete, "1"));
  EXPECT_EQ(again.result, "not_found");
  EXPECT_EQ(again.seq_no, 4);
  ExpectResult(One(Op(OpType::kDelete, "never")), "not_found", 1, 5);
  EXPECT_EQ(index_->doc_count(), 1u);
  EXPECT_FALSE(index_->Get("1")->has_value());
  EXPECT_EQ(Source("2"), R"({"a":3})");
}

TEST_F(IndexTest, GeneratesIdsWhenNoneIsGiven) {
  WriteResult r = One(Op(OpType::kIndex, "", R"({"a":1})"));
  ExpectResult(r, "created", 1, 0);
  EXPECT_EQ(r.id.size(), 20u);
  EXPECT_EQ(Source(r.id), R"({"a":1})");
}

TEST_F(IndexTest, CreateOnExistingIdIsAConflict) {
  One(Op(OpType::kIndex, "1", R"({"a":1})"));
  WriteResult r = One(Op(OpType::kCreate, "1", R"({"a":2})"));
  EXPECT_EQ(r.status.code(), util::Code::kConflict);
  EXPECT_EQ(r.status.type(), "version_conflict_engine_exception");
  EXPECT_EQ(r.status.reason(),
            "[1]: version conflict, document already exists (current version [1])");
  EXPECT_EQ(
      r.status.metadata(),
      (util::Status::Metadata{{"index", "idx"}, {"shard", "0"}, {"index_uuid", index_->uuid()}}));
  EXPECT_EQ(Source("1"), R"({"a":1})");
  ExpectResult(One(Op(OpType::kCreate, "2", R"({"a":2})")), "created", 1, 1);
}

TEST_F(IndexTest, UpdateMergesPartialDocuments) {
  One(Op(OpType::kIndex, "1", R"({"a":1,"o":{"x":1,"y":1},"l":[1,2]})"));
  WriteResult r = One(Op(OpType::kUpdate, "1", R"({"doc":{"o":{"y":2},"b":"new","l":[3]}})"));
  ExpectResult(r, "updated", 2, 1);
  EXPECT_EQ(Source("1"), R"({"a":1,"o":{"x":1,"y":2},"l":[3],"b":"new"})");
}

TEST_F(IndexTest, UpdateThatChangesNothingIsNoop) {
  One(Op(OpType::kIndex, "1", R"({"a":1,"o":{"x":1}})"));
  ExpectResult(One(Op(OpType::kUpdate, "1", R"({"doc":{"o":{"x":1}}})")), "noop", 1, 0);
  ExpectResult(One(Op(OpType::kIndex, "2", R"({"a":1})")), "created", 1, 1);  // no seq_no used
  ExpectResult(One(Op(OpType::kUpdate, "1", R"({"doc":{"a":1},"detect_noop":false})")),
               "updated", 2, 2);
}

TEST_F(IndexTest, UpdateOfMissingDocument) {
  WriteResult r = One(Op(OpType::kUpdate, "x", R"({"doc":{"a":1}})"));
  EXPECT_EQ(r.status.code(), util::Code::kNotFound);
  EXPECT_EQ(r.status.type(), "document_missing_exception");
  EXPECT_EQ(r.status.reason(), "[x]: document missing");
  EXPECT_EQ(r.status.metadata().at(0), (std::pair<std::string, std::string>{"index", "idx"}));
  // Missing comes before if_seq_no; with an upsert the seq_no check applies.
  WriteOp guarded = Op(OpType::kUpdate, "x", R"({"doc":{"a":1}})");
  guarded.if_seq_no = 1;
  EXPECT_EQ(One(guarded).status.type(), "document_missing_exception");
  guarded.source = R"({"doc":{"a":1},"doc_as_upsert":true})";
  EXPECT_EQ(One(guarded).status.type(), "version_conflict_engine_exception");
}

TEST_F(IndexTest, DocAsUpsertAndUpsertCreateMissingDocuments) {
  ExpectResult(One(Op(OpType::kUpdate, "1", R"({"doc":{"a":1},"doc_as_upsert":true})")), "created",
               1, 0);
  EXPECT_EQ(Source("1"), R"({"a":1})");
  ExpectResult(One(Op(OpType::kUpdate, "2", R"({"doc":{"a":1},"upsert":{"a":0}})")), "created", 1,
               1);
  EXPECT_EQ(Source("2"), R"({"a":0})");
  ExpectResult(One(Op(OpType::kUpdate, "2", R"({"doc":{"a":1},"upsert":{"a":0}})")), "updated", 2,
               2);
  EXPECT_EQ(Source("2"), R"({"a":1})");
}

TEST_F(IndexTest, UpdateWithoutDocOrUpsertIsAValidationError) {
  One(Op(OpType::kIndex, "1", R"({"a":1})"));
  WriteResult r = One(Op(OpType::kUpdate, "1", R"({"foo":1})"));
  EXPECT_EQ(r.status.type(), "action_request_validation_exception");
  EXPECT_EQ(r.status.reason(), "Validation Failed: 1: script or doc is missing;");
}

TEST_F(IndexTest, IfSeqNoMustMatchTheCurrentDocument) {
  One(Op(OpType::kIndex, "1", R"({"a":1})"));
  WriteOp stale = Op(OpType::kIndex, "1", R"({"a":2})");
  stale.if_seq_no = 5;
  stale.if_primary_term = 1;
  WriteResult r = One(stale);
  EXPECT_EQ(r.status.code(), util::Code::kConflict);
  EXPECT_EQ(r.status.type(), "version_conflict_engine_exception");
  EXPECT_EQ(r.status.reason(),
            "[1]: version conflict, required seqNo [5], primary term [1]. current document has "
            "seqNo [0] and primary term [1]");
  EXPECT_EQ(Source("1"), R"({"a":1})");

  WriteOp fresh = Op(OpType::kIndex, "1", R"({"a":3})");
  fresh.if_seq_no = 0;
  fresh.if_primary_term = 1;
  ExpectResult(One(fresh), "updated", 2, 1);

  WriteOp missing = Op(OpType::kDelete, "nope");
  missing.if_seq_no = 0;
  EXPECT_EQ(One(missing).status.code(), util::Code::kConflict);
}

TEST_F(IndexTest, ExternalVersionsMustGrowExternalGteMustNotShrink) {
  auto external = [](OpType type, VersionType vt, int64_t version) {
    WriteOp op = Op(type, "1", type == OpType::kDelete ? "" : R"({"a":1})");
    op.version_type = vt;
    op.version = version;
    return op;
  };
  ExpectResult(One(external(OpType::kIndex, VersionType::kExternal, 5)), "created", 5, 0);
  WriteResult same = One(external(OpType::kIndex, VersionType::kExternal, 5));
  EXPECT_EQ(same.status.type(), "version_conflict_engine_exception");
  EXPECT_EQ(same.status.reason(),
            "[1]: version conflict, current version [5] is higher or equal to the one provided "
            "[5]");
  ExpectResult(One(external(OpType::kIndex, VersionType::kExternalGte, 5)), "updated", 5, 1);
  WriteResult lower = One(external(OpType::kDelete, VersionType::kExternalGte, 4));
  EXPECT_EQ(lower.status.reason(),
            "[1]: version conflict, current version [5] is higher than the one provided [4]");
  ExpectResult(One(external(OpType::kDelete, VersionType::kExternal, 6)), "deleted", 6, 2);
  // The deleted document's version still counts, as OpenSearch's tombstone does.
  EXPECT_EQ(One(external(OpType::kIndex, VersionType::kExternal, 6)).status.code(),
            util::Code::kConflict);
  ExpectResult(One(external(OpType::kIndex, VersionType::kExternal, 7)), "created", 7, 3);
}

TEST_F(IndexTest, FailedItemsDoNotAffectOthersInTheBatch) {
  Create("", R"({"properties":{"n":{"type":"long"}}})");
  std::vector<WriteOp> ops;
  ops.push_back(Op(OpType::kIndex, "1", R"({"n":1})"));
  ops.push_back(Op(OpType::kIndex, "2", R"({"n":"abc"})"));
  ops.push_back(Op(OpType::kCreate, "1", R"({"n":3})"));
  ops.push_back(Op(OpType::kIndex, "3", "{not json"));
  ops.push_back(Op(OpType::kIndex, "4", R"({"n":4})"));
  std::vector<WriteResult> r = index_->Write(std::move(ops));
  ASSERT_EQ(r.size(), 5u);
  ExpectResult(r[0], "created", 1, 0);
  EXPECT_EQ(r[1].status.type(), "mapper_parsing_exception");
  EXPECT_EQ(r[1].id, "2");
  EXPECT_EQ(r[2].status.type(), "version_conflict_engine_exception");  // sees item 0
  EXPECT_EQ(r[3].status.type(), "mapper_parsing_exception");
  ExpectResult(r[4], "created", 1, 1);
  EXPECT_EQ(index_->doc_count(), 2u);
  EXPECT_FALSE(index_->Get("2")->has_value());
}

TEST_F(IndexTest, SameIdTwiceInOneBatch) {
  std::vector<WriteOp> ops;
  ops.push_back(Op(OpType::kIndex, "1", R"({"a":1})"));
  ops.push_back(Op(OpType::kUpdate, "1", R"({"doc":{"b":2}})"));
  ops.push_back(Op(OpType::kDelete, "1"));
  ops.push_back(Op(OpType::kCreate, "1", R"({"c":3})"));
  std::vector<WriteResult> r = index_->Write(std::move(ops));
  ExpectResult(r[0], "created", 1, 0);
  ExpectResult(r[1], "updated", 2, 1);
  ExpectResult(r[2], "deleted", 3, 2);
  EXPECT_TRUE(r[3].status.ok()) << r[3].status.ToString();
  EXPECT_EQ(r[3].result, "created");
  EXPECT_EQ(Source("1"), R"({"c":3})");
}

TEST_F(IndexTest, DynamicFieldsExtendTheMapping) {
  One(Op(OpType::kIndex, "1", R"({"title":"Hello","n":5})"));
  EXPECT_EQ(index_->MappingJson(),
            R"({"properties":{"title":{"type":"text","fields":{"keyword":{"type":"keyword",)"
            R"("ignore_above":256}}},"n":{"type":"long"}}})");
  // The new mapping now rejects a non-number for n.
  EXPECT_EQ(One(Op(OpType::kIndex, "2", R"({"n":"x"})")).status.type(), "mapper_parsing_exception");
}

TEST_F(IndexTest, MergeMappingConflicts) {
  Create("", R"({"properties":{"f":{"type":"long"}}})");
  util::Status s = index_->MergeMapping(R"({"properties":{"f":{"type":"text"}}})");
  EXPECT_EQ(s.reason(), "mapper [f] cannot be changed from type [long] to [text]");
  EXPECT_TRUE(index_->MergeMapping(R"({"properties":{"g":{"type":"keyword"}}})").ok());
  ASSERT_NE(index_->mapping().Find("g"), nullptr);
}

TEST_F(IndexTest, DocumentsSurviveReopenWithStableDocNumbers) {
  std::vector<WriteOp> ops;
  for (int i = 0; i < 6; ++i) ops.push_back(Op(OpType::kIndex, std::to_string(i), R"({"k":"v"})"));
  index_->Write(std::move(ops));
  One(Op(OpType::kDelete, "2"));
  One(Op(OpType::kIndex, "4", R"({"k":"w"})"));
  std::map<std::string, DocNo> before;
  for (const char* id : {"0", "1", "3", "4", "5"}) before[id] = *index_->Find(id);
  std::string mapping = index_->MappingJson();

  Reopen();
  EXPECT_EQ(index_->doc_count(), 5u);
  EXPECT_FALSE(index_->Find("2").has_value());
  for (const auto& [id, doc] : before) {
    ASSERT_TRUE(index_->Find(id).has_value()) << id;
    EXPECT_EQ(*index_->Find(id), doc) << id;
    EXPECT_EQ(index_->id(doc), id);
  }
  EXPECT_EQ(index_->MappingJson(), mapping);
  auto four = index_->Get("4");
  ASSERT_TRUE(four.ok() && four->has_value());
  EXPECT_EQ((*four)->version, 2);
  EXPECT_EQ((*four)->source, R"({"k":"w"})");
  // Sequence numbers and doc numbers continue after the restart.
  WriteResult r = One(Op(OpType::kIndex, "new", R"({"k":"x"})"));
  ExpectResult(r, "created", 1, 8);
  EXPECT_GT(*index_->Find("new"), before["5"]);
  ExpectResult(One(Op(OpType::kIndex, "0", R"({"k":"y"})")), "updated", 2, 9);
}

TEST_F(IndexTest, ReopenKeepsDocumentsThatALaterMappingNoLongerAccepts) {
  // dynamic:false stores unknown fields unindexed; a field mapped later may
  // not fit them. OpenSearch keeps such documents; so must a restart.
  Create("", R"({"dynamic":false})");
  ExpectResult(One(Op(OpType::kIndex, "1", R"({"x":"abc","y":"keep"})")), "created", 1, 0);
  ASSERT_TRUE(index_->MergeMapping(R"({"properties":{"x":{"type":"long"}}})").ok());
  ExpectResult(One(Op(OpType::kIndex, "2", R"({"x":5})")), "created", 1, 1);
  Reopen();
  EXPECT_EQ(index_->doc_count(), 2u);
  EXPECT_EQ(Source("1"), R"({"x":"abc","y":"keep"})");
  EXPECT_TRUE(index_->Find("1").has_value());
  ExpectResult(One(Op(OpType::kIndex, "3", R"({"x":6})")), "created", 1, 2);
}

TEST_F(IndexTest, DottedFieldUnderAConcreteFieldIsRejected) {
  ExpectResult(One(Op(OpType::kIndex, "1", R"({"a":"x"})")), "created", 1, 0);
  WriteResult r = One(Op(OpType::kIndex, "2", R"({"a.b":1})"));
  EXPECT_EQ(r.status.type(), "mapper_parsing_exception");
  EXPECT_EQ(r.status.reason(),
            "Could not dynamically add mapping for field [a.b]. Existing mapping for [a] must be "
            "of type object but found [text].");
  WriteResult same_doc = One(Op(OpType::kIndex, "4", R"({"x":5,"x.y":1})"));
  EXPECT_EQ(same_doc.status.reason(),
            "Could not dynamically add mapping for field [x.y]. Existing mapping for [x] must be "
            "of type object but found [long].");
  Reopen();  // the mapping must still load
  EXPECT_EQ(index_->doc_count(), 1u);
  ExpectResult(One(Op(OpType::kIndex, "3", R"({"c.d":1})")), "created", 1, 1);
  EXPECT_EQ(index_->mapping().Find("c")->type, FieldType::kObject);
}

TEST_F(IndexTest, FieldNamesWithEmptyDottedPartsAreRejected) {
  for (const char* source : {R"({"a..b":1})", R"({".a":1})", R"({"a.":1})", R"({"o":{"x.":1}})"}) {
    WriteResult r = One(Op(OpType::kIndex, "1", source));
    EXPECT_EQ(r.status.type(), "mapper_parsing_exception") << source;
    ASSERT_NE(r.status.cause(), nullptr) << source;
    EXPECT_EQ(r.status.cause()->type(), "illegal_argument_exception");
    EXPECT_THAT(r.status.cause()->reason(),
                ::testing::StartsWith("object field starting or ending with a [.] makes object "
                                      "resolution ambiguous: ["))
        << source;
  }
  Reopen();  // the mapping must still load
  EXPECT_EQ(index_->doc_count(), 0u);
}

TEST_F(IndexTest, VectorsAreSearchableAndSurviveReopen) {
  Create(R"({"index":{"knn":true}})",
         R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})");
  std::vector<WriteOp> ops;
  ops.push_back(Op(OpType::kIndex, "a", R"({"v":[0,0]})"));
  ops.push_back(Op(OpType::kIndex, "b", R"({"v":[1,1]})"));
  ops.push_back(Op(OpType::kIndex, "c", R"({"v":[5,5]})"));
  ops.push_back(Op(OpType::kIndex, "d", R"({"other":1})"));
  for (const auto& r : index_->Write(std::move(ops))) ASSERT_TRUE(r.status.ok());
  One(Op(OpType::kDelete, "b"));

  auto nearest = [&](std::vector<float> q) {
    const vector::VectorIndex* graph = index_->vectors("v");
    EXPECT_NE(graph, nullptr);
    std::vector<std::string> ids;
    if (graph == nullptr) return ids;
    auto found = graph->Search(q, 10);
    EXPECT_TRUE(found.ok());
    for (const auto& n : *found) ids.push_back(index_->id(static_cast<DocNo>(n.label)));
    return ids;
  };
  EXPECT_EQ(nearest({1, 1}), (std::vector<std::string>{"a", "c"}));
  Reopen();
  EXPECT_EQ(nearest({1, 1}), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(nearest({6, 6}), (std::vector<std::string>{"c", "a"}));
  One(Op(OpType::kIndex, "e", R"({"v":[1.5,1.5]})"));
  EXPECT_EQ(nearest({1, 1}), (std::vector<std::string>{"e", "a", "c"}));
}

// Ids of the vector graph's neighbours of q, nearest first.
std::vector<std::string> Nearest(const Index& index, std::vector<float> q) {
  std::vector<std::string> ids;
  const vector::VectorIndex* graph = index.vectors("v");
  if (graph == nullptr) return {"<no graph>"};
  auto found = graph->Search(q, 10);
  if (!found.ok()) return {found.status().ToString()};
  for (const auto& n : *found) ids.push_back(index.id(static_cast<DocNo>(n.label)));
  return ids;
}

TEST_F(IndexTest, GraphCheckpointsAreCaughtUpOnReopen) {
  testutil::TempDir graphs;
  options_.vector_dir = graphs.path().string();
  Create(R"({"index":{"knn":true}})",
         R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})");
  One(Op(OpType::kIndex, "a", R"({"v":[1,1]})"));
  One(Op(OpType::kIndex, "b", R"({"v":[2,2]})"));
  One(Op(OpType::kIndex, "c", R"({"v":[3,3]})"));
  One(Op(OpType::kIndex, "e", R"({"v":[4,4]})"));
  ASSERT_TRUE(index_->Checkpoint().ok());
  // After the checkpoint: a delete, a moved vector, a dropped vector, a new document.
  One(Op(OpType::kDelete, "b"));
  One(Op(OpType::kIndex, "a", R"({"v":[9,9]})"));
  One(Op(OpType::kIndex, "e", R"({"no_vector":1})"));
  One(Op(OpType::kIndex, "d", R"({"v":[0.5,0.5]})"));
  const std::vector<std::string> expected = {"d", "c", "a"};
  ASSERT_EQ(Nearest(*index_, {0, 0}), expected);
  std::map<std::string, DocNo> docs;
  for (const char* id : {"a", "c", "d", "e"}) docs[id] = *index_->Find(id);

  Reopen();
  EXPECT_EQ(Nearest(*index_, {0, 0}), expected);
  for (const auto& [id, doc] : docs) EXPECT_EQ(index_->Find(id), doc) << id;
  // New documents get doc numbers the loaded graph has not seen.
  One(Op(OpType::kIndex, "f", R"({"v":[0,0]})"));
  EXPECT_EQ(Nearest(*index_, {0, 0}), (std::vector<std::string>{"f", "d", "c", "a"}));

  // A second checkpoint and reopen with nothing written in between.
  ASSERT_TRUE(index_->Checkpoint().ok());
  Reopen();
  EXPECT_EQ(Nearest(*index_, {0, 0}), (std::vector<std::string>{"f", "d", "c", "a"}));
  EXPECT_EQ(index_->doc_count(), 5u);
  const auto dir = graphs.path() / index_->uuid();
  EXPECT_TRUE(std::filesystem::exists(dir));
  ASSERT_TRUE(index_->Drop().ok());
  EXPECT_FALSE(std::filesystem::exists(dir));  // Drop removes the checkpoints too
}

TEST_F(IndexTest, ReplacingAVectorDocumentUpdatesTheGraph) {
  Create(R"({"index.knn":true})", R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})");
  One(Op(OpType::kIndex, "a", R"({"v":[0,0]})"));
  One(Op(OpType::kIndex, "a", R"({"v":[9,9]})"));
  One(Op(OpType::kIndex, "b", R"({"v":[1,1]})"));
  auto found = index_->vectors("v")->Search(std::vector<float>{0, 0}, 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ(index_->id(static_cast<DocNo>((*found)[0].label)), "b");
  EXPECT_FLOAT_EQ((*found)[1].distance, 162.0f);
  // A document that drops its vector leaves the graph.
  One(Op(OpType::kIndex, "a", R"({"x":1})"));
  EXPECT_EQ(index_->vectors("v")->Size(), 1u);
}

TEST_F(IndexTest, UpsertFormCreatesFromUpsertAndMergesThePartialDocument) {
  Create(R"({"index.knn":true})", R"({"properties":{"v":{"type":"knn_vector","dimension":2},)"
                                  R"("w":{"type":"knn_vector","dimension":2}}})");
  auto upsert = [](std::string id, std::string doc, std::string upsert) {
    WriteOp op = Op(OpType::kUpdate, std::move(id), std::move(doc));
    op.upsert = std::move(upsert);
    return op;
  };
  // A new document is the upsert, nulls included.
  ExpectResult(One(upsert("a", R"({"v":[0,0]})", R"({"v":[0,0],"w":null,"t":null})")), "created", 1,
               0);
  EXPECT_EQ(Source("a"), R"({"v":[0,0],"w":null,"t":null})");
  // An existing one takes the partial document and keeps what it does not name.
  ExpectResult(One(upsert("a", R"({"w":[5,5]})", R"({"v":null,"w":[5,5],"t":null})")), "updated", 2,
               1);
  EXPECT_EQ(Source("a"), R"({"v":[0,0],"w":[5,5],"t":null})");
  // Both graphs have the document: v's kept (unchanged), w's added.
  auto nearest = [&](const char* field, std::vector<float> q) {
    auto found = index_->vectors(field)->Search(q, 1);
    EXPECT_TRUE(found.ok());
    return found->empty() ? std::string() : index_->id(static_cast<DocNo>((*found)[0].label));
  };
  One(Op(OpType::kIndex, "b", R"({"v":[3,3],"w":[3,3]})"));
  EXPECT_EQ(nearest("v", {0, 0}), "a");
  EXPECT_EQ(nearest("w", {5, 5}), "a");
  // Changing v moves it in v's graph only.
  One(upsert("a", R"({"v":[9,9]})", "{}"));
  EXPECT_EQ(nearest("v", {0, 0}), "b");
  EXPECT_EQ(nearest("v", {9, 9}), "a");
  EXPECT_EQ(nearest("w", {5, 5}), "a");
  // Nothing changed: noop.
  ExpectResult(One(upsert("a", R"({"v":[9,9]})", "{}")), "noop", 3, 3);
}

TEST_F(IndexTest, KnnDisabledKeepsVectorsWithoutAGraph) {
  Create("", R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})");
  EXPECT_EQ(index_->vectors("v"), nullptr);
  ExpectResult(One(Op(OpType::kIndex, "a", R"({"v":[1,2]})")), "created", 1, 0);
  WriteResult bad = One(Op(OpType::kIndex, "b", R"({"v":[1,2,3]})"));
  EXPECT_EQ(bad.status.type(), "mapper_parsing_exception");
  ASSERT_NE(bad.status.cause(), nullptr);
  EXPECT_THAT(bad.status.cause()->reason(), HasSubstr("Vector dimension mismatch"));
}

TEST_F(IndexTest, DropRemovesEverything) {
  One(Op(OpType::kIndex, "1", R"({"a":1})"));
  ASSERT_TRUE(index_->Drop().ok());
  EXPECT_FALSE(store_->Get(storage::Column::kMeta, "index/idx")->has_value());
  EXPECT_FALSE(index_->Get("1")->has_value());
}

// The sequence counter and the index metadata are stored text: damaged values
// fail the index's load with a reason instead of throwing (std::stoll did).
TEST_F(IndexTest, ADamagedStoredSequenceNumberFailsTheLoadWithAReason) {
  ExpectResult(One(Op(OpType::kIndex, "a", R"({"n":1})")), "created", 1, 0);
  auto meta = store_->Get(storage::Column::kMeta, "index/idx");
  ASSERT_TRUE(meta.ok() && meta->has_value());
  const std::string& text = **meta;
  size_t at = text.find(R"("uuid":")");
  ASSERT_NE(at, std::string::npos) << text;
  std::string uuid = text.substr(at + 8, text.find('"', at + 8) - at - 8);
  for (const char* damaged : {"not a number", "99999999999999999999999", "12x", "", "-5"}) {
    index_.reset();
    storage::WriteBatch batch;
    batch.Put(storage::Column::kMeta, "seq/" + uuid, damaged);
    ASSERT_TRUE(store_->Write(batch).ok());
    auto opened = Index::Open(store_.get(), "idx", text, options_);
    ASSERT_FALSE(opened.ok()) << damaged;
    EXPECT_THAT(opened.status().reason(), HasSubstr("corrupt sequence number")) << damaged;
  }
}

TEST_F(IndexTest, MetadataWithMistypedMembersIsCorruptNotACrash) {
  for (const char* meta : {R"({"uuid":5,"settings":{},"mappings":{},"creation_date":1})",
                           R"({"uuid":"u","settings":{},"mappings":{},"creation_date":"x"})",
                           R"({"uuid":"u","settings":{},"mappings":{}})",
                           R"({"uuid":"u","settings":[],"mappings":{},"creation_date":1})"}) {
    auto opened = Index::Open(store_.get(), "other", meta, options_);
    ASSERT_FALSE(opened.ok()) << meta;
    EXPECT_THAT(opened.status().reason(), HasSubstr("corrupt metadata")) << meta;
  }
}

// The metrics scrape reads stored_bytes() on its own thread while writers
// run; it was a plain field guarded by write_mu_ that the reader did not take
// (a data race ThreadSanitizer reports). It must be readable at any time and
// only grow while documents are added.
TEST_F(IndexTest, StoredBytesIsReadableWhileDocumentsAreWritten) {
  std::atomic<bool> done{false};
  std::thread reader([&] {
    uint64_t last = 0;
    while (!done) {
      uint64_t now = index_->stored_bytes();
      EXPECT_GE(now, last);
      last = now;
    }
  });
  for (int i = 0; i < 200; ++i) {
    One(Op(OpType::kIndex, "d" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}"));
  }
  done = true;
  reader.join();
  EXPECT_GT(index_->stored_bytes(), 200u * 6);
}

}  // namespace
}  // namespace sluice::index

namespace sluice::index {
namespace {

// A parse made before Write takes its lock is what gets indexed (the write
// path does not parse the document again).
TEST_F(IndexTest, WriteUsesTheParseMadeBeforeTheLock) {
  Create("", R"({"properties":{"n":{"type":"long"}}})");
  WriteOp op = Op(OpType::kIndex, "a", R"({"n":1})");
  auto [mapping, version] = index_->MappingSnapshot();
  auto parsed = ParseDocument(R"({"n":2})", "a", mapping);  // differs from the source on purpose
  ASSERT_TRUE(parsed.ok());
  op.parsed = ParsedSource{std::move(*parsed), version};
  ASSERT_TRUE(One(std::move(op)).status.ok());
  Index::ReadGuard guard(*index_);
  ASSERT_EQ(index_->values(0).size(), 1u);
  EXPECT_EQ(index_->values(0)[0].number, 2);
}

// A parse made against an older mapping is not trusted: a field mapped since
// (here dynamically, by an earlier write) decides, as if parsed under the lock.
TEST_F(IndexTest, ParseAgainstAnOlderMappingIsParsedAgain) {
  WriteOp op = Op(OpType::kIndex, "b", R"({"n":"abc"})");
  std::vector<WriteOp> early;
  early.push_back(op);
  index_->ParseSources(early);  // n is unmapped now: a dynamic text field, fine
  ASSERT_TRUE(early[0].parsed && early[0].parsed->parsed.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "a", R"({"n":5})")).status.ok());  // n becomes a long
  WriteResult r = One(std::move(early[0]));
  EXPECT_EQ(r.status.type(), "mapper_parsing_exception") << r.status.ToString();
  // And within one batch: the first document maps n, the second is checked against it.
  std::vector<WriteOp> batch;
  batch.push_back(Op(OpType::kIndex, "c", R"({"m":5})"));
  batch.push_back(Op(OpType::kIndex, "d", R"({"m":"xyz"})"));
  auto results = index_->Write(std::move(batch));
  EXPECT_TRUE(results[0].status.ok());
  EXPECT_EQ(results[1].status.type(), "mapper_parsing_exception");
}

// Large batches are parsed on several threads; results stay in op order.
TEST_F(IndexTest, LargeBatchesParseInParallelInOrder) {
  Create("", R"({"properties":{"n":{"type":"long"},"pad":{"type":"keyword","index":false}}})");
  std::string pad(8000, 'x');
  std::vector<WriteOp> ops;
  for (int i = 0; i < 200; ++i) {
    std::string n = i % 7 == 3 ? "\"bad\"" : std::to_string(i);
    ops.push_back(
        Op(OpType::kIndex, "d" + std::to_string(i), "{\"n\":" + n + ",\"pad\":\"" + pad + "\"}"));
  }
  auto results = index_->Write(std::move(ops));
  ASSERT_EQ(results.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    if (i % 7 == 3) {
      EXPECT_EQ(results[i].status.type(), "mapper_parsing_exception") << i;
      EXPECT_THAT(results[i].status.ToString(), HasSubstr("d" + std::to_string(i) + "'"));
    } else {
      EXPECT_TRUE(results[i].status.ok()) << i;
    }
  }
  Index::ReadGuard guard(*index_);
  auto doc = index_->Find("d100");
  ASSERT_TRUE(doc);
  EXPECT_EQ(index_->values(*doc)[0].number, 100);
}

// Generated ids are chosen before parsing, so the mapper's message names them.
TEST_F(IndexTest, MapperErrorsNameGeneratedIds) {
  Create("", R"({"properties":{"n":{"type":"long"}}})");
  WriteResult r = One(Op(OpType::kIndex, "", R"({"n":"abc"})"));
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.id.size(), 20u);
  EXPECT_THAT(r.status.ToString(), HasSubstr("'" + r.id + "'"));
}

}  // namespace
}  // namespace sluice::index

namespace sluice::index {
namespace {

class VectorStoreTest : public IndexTest {
 protected:
  void SetUp() override {
    Create(R"({"index.knn":true})", R"({"properties":{"v":{"type":"knn_vector","dimension":2}}})");
  }
  std::vector<std::string> Nearest(std::vector<float> q) {
    Index::ReadGuard guard(*index_);
    std::vector<std::string> ids;
    auto found = index_->vectors("v")->Search(q, 10);
    EXPECT_TRUE(found.ok());
    if (found.ok()) {
      for (const auto& n : *found) ids.push_back(index_->id(static_cast<DocNo>(n.label)));
    }
    return ids;
  }
  size_t StoredVectors() {
    size_t n = 0;
    EXPECT_TRUE(store_
                    ->Scan(storage::Column::kVectors, "",
                           [&](auto, auto) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
};

// Graphs are rebuilt from the binary vectors, not from _source: a stored
// source whose vector text differs does not move the point.
TEST_F(VectorStoreTest, GraphsAreRebuiltFromStoredVectors) {
  ASSERT_TRUE(One(Op(OpType::kIndex, "a", R"({"v":[0,0.5]})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "b", R"({"v":[5,5]})")).status.ok());
  EXPECT_EQ(StoredVectors(), 2u);
  auto key = std::string(index_->uuid()) + '\0' + "a";
  auto stored = store_->Get(storage::Column::kDocs, key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  auto record = DocumentRecord::Decode(**stored);
  ASSERT_TRUE(record);
  DocumentRecord changed = *record;
  changed.source = R"({"v":[9,9]})";
  storage::WriteBatch batch;
  batch.Put(storage::Column::kDocs, key, changed.Encode());
  ASSERT_TRUE(store_->Write(batch).ok());
  Reopen();
  EXPECT_EQ(Nearest({0, 0}), (std::vector<std::string>{"a", "b"}));
}

// Replacing a document without its vector, or deleting it, removes the stored
// vector too, so the graph rebuilt at open does not bring it back.
TEST_F(VectorStoreTest, RemovedVectorsStayRemovedAfterReopen) {
  ASSERT_TRUE(One(Op(OpType::kIndex, "a", R"({"v":[0,0.5]})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "b", R"({"v":[5,5]})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "c", R"({"v":[1,1]})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "a", R"({"other":1})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kDelete, "b")).status.ok());
  // An update that leaves the vector alone keeps it.
  ASSERT_TRUE(One(Op(OpType::kUpdate, "c", R"({"doc":{"x":2}})")).status.ok());
  EXPECT_EQ(StoredVectors(), 1u);
  Reopen();
  EXPECT_EQ(Nearest({0, 0}), (std::vector<std::string>{"c"}));
}

// An index written before vectors were stored in binary (no marker, no
// vectors column) gets its graph from _source once, and its vectors stored.
TEST_F(VectorStoreTest, OlderIndexesMigrateTheirVectorsAtOpen) {
  ASSERT_TRUE(One(Op(OpType::kIndex, "a", R"({"v":[0,0.5]})")).status.ok());
  ASSERT_TRUE(One(Op(OpType::kIndex, "b", R"({"v":[5,5]})")).status.ok());
  storage::WriteBatch batch;
  batch.Delete(storage::Column::kMeta, "vecstore/" + index_->uuid());
  batch.DeleteRange(storage::Column::kVectors, "", "\xff");
  ASSERT_TRUE(store_->Write(batch).ok());
  ASSERT_EQ(StoredVectors(), 0u);
  Reopen();
  EXPECT_EQ(Nearest({0, 0}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(StoredVectors(), 2u);
  Reopen();
  EXPECT_EQ(Nearest({0, 0}), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace sluice::index
