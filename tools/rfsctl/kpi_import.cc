// `rfsctl kpi import FILE.csv`: the file checked locally (ParseImportCsv, kpi_csv.cc), then by
// the service (validate_only), then recorded line by line.
#include "tools/rfsctl/kpi_commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "nlohmann/json.hpp"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;

namespace {

// A line of an import the server refused, with its error.
struct Refusal {
  int line = 0;
  grpc::Status status;
};

// True for an error about the service or the caller rather than about one line: every other
// line would get it too.
bool IsServiceError(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::UNAUTHENTICATED;
}

// Lines checked by the service at once (validate_only calls in flight).
constexpr int kCheckers = 8;
// Bad lines listed on stderr; the rest are counted.
constexpr size_t kListedErrors = 50;

// Checks the lines with RecordMeasurement validate_only, kCheckers calls in flight (the service
// writes nothing for them, and they count against no quota), showing a counter on stderr when
// it is a terminal. Every refusal goes to `refusals`, in line order; an error of the service or
// the token (not of a line) stops the check: the lines not yet sent are not checked. The lines
// whose values the national KGIs would leave out (Measurement.outside_national_kgis) go to
// `outside`, in line order.
void CheckImportLines(const KpiClient& c, const std::vector<ImportLine>& lines,
                      std::vector<Refusal>* refusals, std::vector<int>* outside) {
  const bool progress = isatty(STDERR_FILENO);
  const char* label = c.g().english ? "checking " : "確認中 ";
  const size_t total = lines.size();
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  auto work = [&](int worker) {
    for (size_t i; !stop.load() && (i = next.fetch_add(1)) < total;) {
      kv1::RecordMeasurementRequest req = lines[i].request;
      req.set_validate_only(true);
      kv1::Measurement resp;
      const grpc::Status s = c.Call(&Stub::RecordMeasurement, req, &resp);
      if (!s.ok()) {
        if (IsServiceError(s.error_code())) stop = true;
        std::lock_guard<std::mutex> lock(mu);
        refusals->push_back({lines[i].line, s});
      } else if (resp.outside_national_kgis()) {
        std::lock_guard<std::mutex> lock(mu);
        outside->push_back(lines[i].line);
      }
      const size_t n = done.fetch_add(1) + 1;
      if (progress && worker == 0) {
        std::fprintf(stderr, "\r%s%s", label, RenderCounter(n, total).c_str());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int w = 1; w < kCheckers; ++w) workers.emplace_back(work, w);
  work(0);
  for (std::thread& t : workers) t.join();
  if (progress) std::fprintf(stderr, "\r%s%s\n", label, RenderCounter(done, total).c_str());
  std::sort(refusals->begin(), refusals->end(),
            [](const Refusal& a, const Refusal& b) { return a.line < b.line; });
  std::sort(outside->begin(), outside->end());
}

// The longest wait for the write quota before a line is tried again (a quota of writes a
// minute frees up within a minute; one of bytes an hour may not, and stops the import).
constexpr absl::Duration kLongestQuotaWait = absl::Seconds(75);

// Records the lines in order with RecordMeasurement, showing a counter on stderr when it is a
// terminal, and returns how many were recorded before it stopped (all of them when it did not):
// the first failure stops it and goes to `refusals`. A line refused for the writer's quota
// with a delay (google.rpc.RetryInfo) of at most kLongestQuotaWait is sent again after it.
size_t RecordImportLines(const KpiClient& c, const std::vector<ImportLine>& lines,
                         std::vector<Refusal>* refusals) {
  const bool progress = isatty(STDERR_FILENO);
  const bool en = c.g().english;
  const char* label = en ? "recording " : "登録中 ";
  const size_t total = lines.size();
  size_t i = 0;
  for (; i < total; ++i) {
    if (progress) std::fprintf(stderr, "\r%s%s", label, RenderCounter(i, total).c_str());
    kv1::Measurement resp;
    grpc::Status s = c.Call(&Stub::RecordMeasurement, lines[i].request, &resp);
    for (std::optional<absl::Duration> delay;
         s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
         (delay = RetryDelayOf(FromGrpcStatus(s))).has_value() && *delay <= kLongestQuotaWait;) {
      std::fprintf(stderr,
                   en ? "\nline %d: the write quota is used up; waiting %lld s, then going on\n"
                      : "\n%d 行目: 書込み上限に達したため %lld 秒待ってから続けます\n",
                   lines[i].line, static_cast<long long>(absl::ToInt64Seconds(*delay)));
      absl::SleepFor(*delay);
      s = c.Call(&Stub::RecordMeasurement, lines[i].request, &resp);
    }
    if (s.ok()) continue;
    refusals->push_back({lines[i].line, s});
    break;
  }
  if (progress) std::fprintf(stderr, "\r%s%s\n", label, RenderCounter(i, total).c_str());
  return i;
}

// Prints a refusal as "line N: CODE: message" (FailRpc) and returns its exit code.
int FailLine(const Refusal& r, bool english) {
  return FailRpc(r.status, english, absl::StrCat("line ", r.line, ": "));
}

}  // namespace

// All or nothing: (1) every line checked locally (any bad line: exit 2, nothing sent); (2)
// every line checked by the server with validate_only (any refusal: exit 10 + the code of the
// first, nothing recorded); (3) only then every line recorded. --dry_run stops after (2).
int CmdImport(const KpiGlobals& g, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("kpi import: usage: rfsctl kpi import FILE.csv [--dry_run]");
  const std::string& file = args[0];
  const bool en = g.english;
  std::string text;
  if (!ReadInput(file, &text)) {
    return Fail(en ? absl::StrCat("kpi import: cannot read ", file)
                   : absl::StrCat("kpi import: ", file, " を読めません"));
  }
  // A bound before anything is parsed: a file is a half year's figures of some plans, not a
  // data dump (a larger one goes in parts, or with a larger --max_lines).
  const int max_lines = absl::GetFlag(FLAGS_max_lines);
  const size_t rows = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) +
                      (!text.empty() && text.back() != '\n');
  if (max_lines < 1 || rows > static_cast<size_t>(max_lines) + 1) {
    return Fail(en ? absl::StrCat("kpi import: ", file, " has ", rows > 0 ? rows - 1 : 0,
                                  " data rows, more than --max_lines ", max_lines,
                                  "; nothing was sent: split the file, or raise --max_lines")
                   : absl::StrCat("kpi import: ", file, " のデータ行は ", rows > 0 ? rows - 1 : 0,
                                  " 行で、--max_lines（", max_lines,
                                  "）を超えています。何も送信していません。ファイルを分けるか "
                                  "--max_lines を大きくしてください"));
  }
  const ImportBatch batch = ParseImportCsv(text, en);
  if (!batch.errors.empty()) {
    for (size_t k = 0; k < batch.errors.size() && k < kListedErrors; ++k) {
      std::fprintf(stderr, "%s\n", batch.errors[k].c_str());
    }
    if (batch.errors.size() > kListedErrors) {
      std::fprintf(stderr, en ? "... and %zu more bad line(s)\n" : "…ほか %zu 行に誤りがあります\n",
                   batch.errors.size() - kListedErrors);
    }
    return Fail(en ? absl::StrCat("kpi import: ", file, ": ", batch.errors.size(),
                                  " bad line(s); nothing was sent")
                   : absl::StrCat("kpi import: ", file, ": 誤りのある行が ", batch.errors.size(),
                                  " 行あります。何も送信していません"));
  }
  const size_t total = batch.lines.size();
  const bool dry_run = absl::GetFlag(FLAGS_dry_run);
  std::vector<int> outside;  // lines the national KGIs leave out
  auto summary = [&](size_t recorded) {
    if (g.json) {
      std::printf("%s\n", nlohmann::json({{"file", file},
                                          {"lines", total},
                                          {"recorded", recorded},
                                          {"dry_run", dry_run},
                                          {"outside_national_kgis", outside}})
                              .dump()
                              .c_str());
      return;
    }
    if (!outside.empty()) {
      std::vector<int> listed(outside.begin(),
                              outside.begin() + std::min(outside.size(), kListedErrors));
      std::printf(en ? "note: line(s) %s%s: the lead prefecture is in the Tokyo area and the "
                       "value has no breakdown, so the national KGIs leave it out; give a "
                       "breakdown to count the parts outside the Tokyo area\n"
                     : "注: %s%s 行目は代表都道府県が東京圏で内訳がないため、全国の KGI に含まれ"
                       "ません。東京圏外の分を含めるには内訳を指定してください\n",
                  absl::StrJoin(listed, ", ").c_str(), outside.size() > listed.size() ? ", …" : "");
    }
    if (dry_run) {
      std::printf(g.english ? "%s: %zu data row(s) checked by the service; nothing recorded "
                              "(--dry_run)\n"
                            : "%s: データ %zu 行をサービスで確認しました。登録はしていません（--dry_run）\n",
                  file.c_str(), total);
    } else {
      std::printf(g.english ? "%s: recorded %zu measurement(s)\n"
                            : "%s: %zu 件の値を登録しました\n",
                  file.c_str(), recorded);
    }
  };
  if (g.token.empty()) return Fail(NoToken(g.english));
  KpiClient c(g);
  std::vector<Refusal> refusals;
  CheckImportLines(c, batch.lines, &refusals, &outside);
  if (!refusals.empty()) {
    int code = 0;
    const Refusal* service_error = nullptr;
    for (size_t k = 0; k < refusals.size(); ++k) {
      const Refusal& r = refusals[k];
      if (IsServiceError(r.status.error_code()) && service_error == nullptr) service_error = &r;
      if (k >= kListedErrors) continue;
      const int line_code = FailLine(r, g.english);
      if (code == 0) code = line_code;
    }
    if (refusals.size() > kListedErrors) {
      std::fprintf(stderr, en ? "... and %zu more refused line(s)\n"
                              : "…ほか %zu 行が受け付けられませんでした\n",
                   refusals.size() - kListedErrors);
    }
    if (service_error != nullptr) {
      std::fprintf(stderr,
                   en ? "rfsctl: kpi import: checking stopped at line %d, an error of the service "
                        "or the token rather than of the line; the lines after it were not "
                        "checked and nothing was imported\n"
                      : "rfsctl: kpi import: %d 行目でサービス又はトークンの誤りのため確認を中止し"
                        "ました。以降の行は確認しておらず、何も登録していません\n",
                   service_error->line);
    } else {
      // A hint that fits what was refused: the lock only for locked half years.
      const bool locked = std::any_of(refusals.begin(), refusals.end(), [](const Refusal& r) {
        return r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION;
      });
      std::fprintf(stderr,
                   en ? "rfsctl: kpi import: %s: the service refused %zu of %zu data row(s); "
                        "nothing "
                        "was imported: fix them%s and run the same file again\n"
                      : "rfsctl: kpi import: %s: %zu 行中 %zu 行が受け付けられませんでした。何も"
                        "登録していません。直して%s同じファイルをもう一度取り込んでください\n",
                   file.c_str(), en ? refusals.size() : total, en ? total : refusals.size(),
                   locked ? (en ? " (rfsctl kpi unlock reopens a half year locked after its "
                                  "deadline)"
                                : "（締め切られた期は rfsctl kpi unlock で受付を再開できます）")
                          : "");
    }
    return code;
  }
  if (dry_run) {
    summary(0);
    return 0;
  }
  const size_t recorded = RecordImportLines(c, batch.lines, &refusals);
  if (recorded < total) {
    const int code = FailLine(refusals.front(), g.english);
    std::fprintf(stderr,
                 en ? "rfsctl: kpi import stopped at line %d although every line had passed the "
                      "check: %zu data row(s) before it were recorded and stay recorded; fix the "
                      "cause (e.g. the service unreachable, a half year locked since, the write "
                      "quota) and run the same file again (the lines already recorded are "
                      "skipped by their request ids)\n"
                    : "rfsctl: kpi import: すべての行が確認を通りましたが、%d 行目で登録が止まり"
                      "ました。それより前の %zu 行は登録済みのままです。原因（サービスに接続で"
                      "きない、その後の締切、書込み上限など）を取り除いて同じファイルをもう一度"
                      "取り込んでください（登録済みの行は request_id により重ねて登録されません）"
                      "\n",
                 refusals.front().line, recorded);
    return code;
  }
  summary(total);
  return 0;
}

}  // namespace rfs::rfsctl
