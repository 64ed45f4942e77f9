// `rfsctl contacts ...` (contacts_commands.h): the contact-only flags, the client of
// rfs-notification, the commands, ContactsUsage and RunContacts. The output follows
// `rfsctl subscriptions` (webhook_commands.cc): the same tables, words by --lang, --json as
// protobuf JSON, exit codes and paging.
#include "tools/rfsctl/contacts_commands.h"

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/base/japan_time.h"
#include "common/kit/client.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_commands.h"
#include "tools/rfsctl/notification_cli.h"

ABSL_FLAG(std::string, address, "",
          "contacts create/update: the e-mail address mailed (one address, no display name)");
ABSL_FLAG(std::string, body, "",
          "contacts create: the 6-digit code of the prefecture or municipality whose plans the "
          "contact is mailed about");
ABSL_FLAG(std::string, display_name, "",
          "contacts create/update: the name in the To: header, e.g. '富山県 地域振興課'");
ABSL_FLAG(std::string, language, "",
          "contacts create/update: the mails' language, ja (Japanese first, the default) or en "
          "(English first); rfsctl's own words follow --lang");
ABSL_FLAG(bool, digest, false,
          "contacts create/update: one mail a day listing the events since the last one "
          "(--digest=false: one mail per event)");

// webhook_commands.cc, events_commands.cc (rfsctl_lib, like this file) and commands.cc.
ABSL_DECLARE_FLAG(std::string, types);
ABSL_DECLARE_FLAG(std::string, state);
ABSL_DECLARE_FLAG(bool, disabled);

namespace rfs::rfsctl {

namespace nv1 = notification::v1;

namespace {

using namespace notification_cli;  // NOLINT: the commands' shared client and output
using ContactClient = NotificationClient;


// ---- Words ----

// "7" or "contacts/7" → "contacts/7".
std::string ContactName(absl::string_view arg) {
  arg = absl::StripAsciiWhitespace(arg);
  return absl::StartsWith(arg, "contacts/") ? std::string(arg) : absl::StrCat("contacts/", arg);
}

// Whose plans: "body 160008", "block HOKURIKU" or the whole country.
std::string ScopeText(const nv1::Contact& c, bool en) {
  if (!c.body_code().empty()) return absl::StrCat(en ? "body " : "団体 ", c.body_code());
  if (!c.block().empty()) return absl::StrCat(en ? "block " : "ブロック ", c.block());
  return en ? "the whole country" : "全国";
}

std::string TypesText(const nv1::Contact& c, bool en) {
  if (c.event_types().empty()) return en ? "the default set" : "既定の種類";
  return absl::StrJoin(c.event_types(), ",");
}

std::string HowText(const nv1::Contact& c, bool en) {
  if (c.daily_digest()) return en ? "daily digest" : "1 日 1 通のまとめ";
  return en ? "each event" : "イベントごと";
}

// ---- Output ----

void PrintContact(const nv1::Contact& c, bool en) {
  std::printf("%s  %s  %s\n", c.name().c_str(), nv1::Contact::State_Name(c.state()).c_str(),
              c.address().c_str());
  std::printf("  %s %s · %s %s\n", en ? "plans of" : "対象:", ScopeText(c, en).c_str(),
              en ? "events:" : "イベント:", TypesText(c, en).c_str());
  std::printf("  %s %s · %s %s", en ? "mail:" : "送信:", HowText(c, en).c_str(),
              en ? "language" : "言語", c.language().c_str());
  if (!c.display_name().empty()) {
    std::printf(" · %s %s", en ? "name" : "表示名", c.display_name().c_str());
  }
  std::printf("\n  %s %s · %s %s\n", en ? "created" : "作成", When(c.create_time()).c_str(),
              en ? "updated" : "更新", When(c.update_time()).c_str());
  if (!c.disabled_reason().empty()) {
    std::printf("  %s %s\n", en ? "disabled:" : "停止理由:", c.disabled_reason().c_str());
  }
}

// ---- Flags into requests ----

// --language (lower-cased) into *language: 0, or the usage error printed.
int ReadLanguage(const ContactClient& c, std::string* language) {
  *language = absl::AsciiStrToLower(Trimmed(absl::GetFlag(FLAGS_language)));
  if (language->empty() || *language == "ja" || *language == "en") return 0;
  return Fail(c.en() ? "--language must be ja or en (the mails' language; rfsctl's is --lang)"
                     : "--language は ja か en です（メールの言語。rfsctl の表示言語は --lang）");
}

// The types of --types (every occurrence on the command line, each separated by commas; or
// RFS_TYPES when none is there and `only_given` is false) into `types`.
void ReadTypes(const ContactClient& c, bool only_given,
               google::protobuf::RepeatedPtrField<std::string>* types) {
  std::vector<std::string> values = c.Given("types");
  if (values.empty() && !only_given && !absl::GetFlag(FLAGS_types).empty()) {
    values.push_back(absl::GetFlag(FLAGS_types));
  }
  for (const std::string& value : values) {
    for (absl::string_view type : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      types->Add(absl::AsciiStrToLower(absl::StripAsciiWhitespace(type)));
    }
  }
}

// --state (active or disabled; only when on the command line with `only_given`) and
// --disabled into *state, STATE_UNSPECIFIED when neither: 0, or the usage error printed.
int ReadState(const ContactClient& c, bool only_given, nv1::Contact::State* state) {
  const bool en = c.en();
  *state = nv1::Contact::STATE_UNSPECIFIED;
  const std::string text = absl::AsciiStrToLower(Trimmed(absl::GetFlag(FLAGS_state)));
  if (only_given ? !c.Given("state").empty() : !text.empty()) {
    if (text == "active") {
      *state = nv1::Contact::ACTIVE;
    } else if (text == "disabled") {
      *state = nv1::Contact::DISABLED;
    } else {
      return Fail(en ? "--state must be active or disabled" : "--state は active か disabled です");
    }
  }
  if (absl::GetFlag(FLAGS_disabled)) {
    if (*state == nv1::Contact::ACTIVE) {
      return Fail(en ? "--disabled and --state=active contradict each other"
                     : "--disabled と --state=active は両立しません");
    }
    *state = nv1::Contact::DISABLED;
  }
  return 0;
}

// ---- contacts ----

int CmdCreate(ContactClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  const std::string address = Trimmed(absl::GetFlag(FLAGS_address));
  if (!args.empty() || address.empty()) {
    return Fail("contacts create: usage: rfsctl contacts create --address ADDRESS "
                "[--body CODE | --block BLOCK] [--display_name NAME] [--language ja|en] "
                "[--types T,T] [--digest] [--disabled]");
  }
  nv1::CreateContactRequest req;
  nv1::Contact* contact = req.mutable_contact();
  contact->set_address(address);
  // The scope from the command line only: RFS_BLOCK (a default filter of `rfsctl events`)
  // must not turn a national contact into a block's.
  const std::vector<std::string> body = c.Given("body");
  const std::vector<std::string> block = c.Given("block");
  if (!body.empty()) contact->set_body_code(Trimmed(body.back()));
  if (!block.empty()) contact->set_block(absl::AsciiStrToUpper(Trimmed(block.back())));
  if (!contact->body_code().empty() && !contact->block().empty()) {
    return Fail(en ? "contacts create: give --body or --block, not both"
                   : "contacts create: --body か --block のどちらか一方を指定してください");
  }
  contact->set_display_name(Trimmed(absl::GetFlag(FLAGS_display_name)));
  std::string language;
  if (int code = ReadLanguage(c, &language)) return code;
  contact->set_language(language);
  ReadTypes(c, /*only_given=*/false, contact->mutable_event_types());
  contact->set_daily_digest(absl::GetFlag(FLAGS_digest));
  nv1::Contact::State state = nv1::Contact::STATE_UNSPECIFIED;
  if (int code = ReadState(c, /*only_given=*/false, &state)) return code;
  contact->set_state(state == nv1::Contact::STATE_UNSPECIFIED ? nv1::Contact::ACTIVE : state);
  nv1::Contact resp;
  if (int code = Call(c, &nv1::Notification::Stub::CreateContact, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    PrintContact(resp, en);
  }
  return 0;
}

int CmdList(ContactClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (!args.empty()) {
    return Fail("contacts list: usage: rfsctl contacts list [--page_size N] [--all]");
  }
  const int page_size = CommandFlag<int>("page_size", 0);
  if (page_size < 0) {
    return Fail(en ? "--page_size must be 0 (the service's default) or more"
                   : "--page_size は 0（サービスの既定）以上にしてください");
  }
  nv1::ListContactsRequest req;
  req.set_page_size(page_size);
  req.set_page_token(CommandFlag<std::string>("page_token", ""));
  const bool every_page = CommandFlag<bool>("all", false);
  nv1::ListContactsResponse all;
  for (;;) {
    nv1::ListContactsResponse page;
    if (int code = Call(c, &nv1::Notification::Stub::ListContacts, req, &page)) return code;
    all.MergeFrom(page);  // appends the contacts
    all.set_next_page_token(page.next_page_token());
    if (!every_page || page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  if (c.g().json) {
    PrintJson(all);
  } else if (all.contacts().empty()) {
    std::printf("%s\n", en ? "(no contacts)" : "（連絡先はありません）");
  } else {
    TextTable t(en ? std::vector<std::string>{"NAME", "STATE", "ADDRESS", "PLANS OF", "EVENTS",
                                              "MAIL", "NOTE"}
                   : std::vector<std::string>{"名前", "状態", "アドレス", "対象", "イベント",
                                              "送信", "備考"},
                60);
    t.SetMaxWidth(2, 100);
    t.SetMaxWidth(6, 100);
    for (const nv1::Contact& contact : all.contacts()) {
      t.Add({contact.name(), nv1::Contact::State_Name(contact.state()), contact.address(),
             ScopeText(contact, en), TypesText(contact, en), HowText(contact, en),
             contact.disabled_reason()});
    }
    std::printf("%s", t.Render().c_str());
  }
  SayMore(c, all.next_page_token());
  return 0;
}

int CmdGet(ContactClient& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("contacts get: usage: rfsctl contacts get NAME");
  nv1::GetContactRequest req;
  req.set_name(ContactName(args[0]));
  nv1::Contact resp;
  if (int code = Call(c, &nv1::Notification::Stub::GetContact, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    PrintContact(resp, c.en());
  }
  return 0;
}

int CmdUpdate(ContactClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) {
    return Fail("contacts update: usage: rfsctl contacts update NAME [--address ADDRESS] "
                "[--display_name NAME] [--language ja|en] [--types T,T] [--digest=true|false] "
                "[--state active|disabled]");
  }
  if (!c.Given("body").empty() || !c.Given("block").empty()) {
    return Fail(en ? "contacts update: whose plans a contact is mailed about cannot change: "
                     "delete it and create another"
                   : "contacts update: 連絡先の対象（団体・ブロック）は変更できません。削除して"
                     "作り直してください");
  }
  nv1::UpdateContactRequest req;
  nv1::Contact* contact = req.mutable_contact();
  contact->set_name(ContactName(args[0]));
  google::protobuf::FieldMask* mask = req.mutable_update_mask();
  if (!c.Given("address").empty()) {
    contact->set_address(Trimmed(absl::GetFlag(FLAGS_address)));
    mask->add_paths("address");
  }
  if (!c.Given("display_name").empty()) {
    contact->set_display_name(Trimmed(absl::GetFlag(FLAGS_display_name)));
    mask->add_paths("display_name");
  }
  if (!c.Given("language").empty()) {
    std::string language;
    if (int code = ReadLanguage(c, &language)) return code;
    contact->set_language(language);
    mask->add_paths("language");
  }
  if (!c.Given("types").empty()) {  // --types= goes back to the default set
    ReadTypes(c, /*only_given=*/true, contact->mutable_event_types());
    mask->add_paths("event_types");
  }
  if (c.BoolGiven("digest")) {
    contact->set_daily_digest(absl::GetFlag(FLAGS_digest));
    mask->add_paths("daily_digest");
  }
  nv1::Contact::State state = nv1::Contact::STATE_UNSPECIFIED;
  if (int code = ReadState(c, /*only_given=*/true, &state)) return code;
  if (state != nv1::Contact::STATE_UNSPECIFIED) {
    contact->set_state(state);
    mask->add_paths("state");
  }
  if (mask->paths().empty()) {
    return Fail(en ? "contacts update: nothing to change: give --address, --display_name, "
                     "--language, --types, --digest=true|false or --state"
                   : "contacts update: 変更する項目がありません。--address、--display_name、"
                     "--language、--types、--digest=true|false か --state を指定してください");
  }
  nv1::Contact resp;
  if (int code = Call(c, &nv1::Notification::Stub::UpdateContact, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
    return 0;
  }
  const std::string changed = absl::StrJoin(mask->paths(), ", ");
  std::printf("%s\n", (en ? absl::StrCat("updated ", resp.name(), ": ", changed)
                          : absl::StrCat(resp.name(), " を更新しました: ", changed))
                          .c_str());
  PrintContact(resp, en);
  return 0;
}

int CmdDelete(ContactClient& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("contacts delete: usage: rfsctl contacts delete NAME");
  nv1::DeleteContactRequest req;
  req.set_name(ContactName(args[0]));
  nv1::DeleteContactResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::DeleteContact, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    std::printf("%s\n", (c.en() ? absl::StrCat("deleted ", req.name())
                                : absl::StrCat(req.name(), " を削除しました"))
                            .c_str());
  }
  return 0;
}

// ---- Dispatch ----

struct Command {
  const char* name;  // "create"
  int (*run)(ContactClient& c, const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"create", CmdCreate}, {"list", CmdList},     {"get", CmdGet},
    {"update", CmdUpdate}, {"delete", CmdDelete},
};

}  // namespace

const char* ContactsUsage() {
  return R"(rfsctl contacts: e-mail to people about plans (rfs-notification at --notification_addr,
RFS_NOTIFICATION_ADDR, default localhost:50054). A contact is an address mailed about the plans
of one prefecture or municipality (--body: the plans it authors), one regional block (--block:
for its bureau) or the whole country (neither: the secretariat's), for the event types it
wants; Japanese first with English below (--language en: the reverse). It is kept, and its
address read, only by that body (a bureau: its block's) and the secretariat. Mail goes out
only while rfs-notification has --smtp_url (or --mail_dir: .eml files, as under make run).

  rfsctl contacts create --address ADDRESS [--body CODE | --block BLOCK] [--display_name NAME]
                         [--language ja|en] [--types T,T] [--digest] [--disabled]
      Adds a contact; it is mailed about the events logged from now on. --types takes exact
      types separated by commas; without it, the default set: kpi.report_due,
      kpi.report_overdue, requirement.review_recorded (a review returned),
      requirement.check_completed (a check failed), plan.stage_changed, plan.signed_off (a
      joint plan's sign-off), webhook.subscription_disabled. --digest: one mail a day (at the
      service's --mail_digest_hour, JST) listing the events since the last one, instead of
      one mail per event; a day without any sends nothing.
      --body and --block are read from the command line only (not RFS_BLOCK).
  rfsctl contacts list [--page_size N] [--all]
      The contacts you keep (the secretariat: every one), oldest first: name, state, address,
      whose plans, event types, each event or a daily digest, and why one is disabled.
  rfsctl contacts get NAME
      One contact: its fields, times, and why it is disabled.
  rfsctl contacts update NAME [--address ADDRESS] [--display_name NAME] [--language ja|en]
                              [--types T,T] [--digest=true|false] [--state active|disabled]
      Changes only what the flags on the command line say (--types= goes back to the default
      set, --display_name= clears the name). Whose plans cannot change. A contact the relay
      refused for good (disabled: bounced) is mailed again after
      `update NAME --address FIXED --state active`.
  rfsctl contacts delete NAME
      Deletes it with its delivery log, retries, dead letters and digest.

  The mails a contact was sent: `rfsctl deliveries list contacts/ID` (the SMTP column holds
  the relay's reply code: 250 accepted); those given up on: `rfsctl deadletters list
  contacts/ID`, then `deadletters redeliver contacts/ID/deadLetters/N` or `deadletters recover
  contacts/ID --since TIME` (rfsctl subscriptions help).

  NAME: contacts/ID, or the ID alone. A list prints one page (the service's size, or
  --page_size) and, on stderr, how to read on (--page_token TOKEN); --all reads every page.
  Times are JST. Words follow --lang ja|en. --json prints the response as protobuf JSON with
  the proto field names. Exit codes: 0 success, 2 usage or local error, 10 + the gRPC code
  otherwise (13 INVALID_ARGUMENT, 15 NOT_FOUND, 17 PERMISSION_DENIED, 18 RESOURCE_EXHAUSTED
  ...).
)";
}

int RunContacts(const EventsGlobals& globals, const std::vector<std::string>& all, int argc,
                char* const* argv) {
  if (all.empty()) {
    std::fprintf(stderr, "%s", ContactsUsage());
    return kUsageError;
  }
  if (all[0] == "help") {
    std::printf("%s", ContactsUsage());
    return 0;
  }
  const bool en = globals.english;
  const std::vector<std::string> args(all.begin() + 1, all.end());
  std::vector<std::string> known;
  for (const Command& entry : kCommands) {
    known.push_back(entry.name);
    if (all[0] != entry.name) continue;
    if (globals.token.empty()) {
      return Fail(absl::StrCat(
          en ? "no token: set RFS_TOKEN (e.g. "
             : "トークンがありません: RFS_TOKEN を設定するか（例: ",
          "export RFS_TOKEN=$(rfsctl token --key_file KEY --role prefecture --body_code 160008)",
          en ? ") or pass --token / --token_file"
             : "）、--token か --token_file を指定してください"));
    }
    std::vector<std::string> command_line;
    if (argc > 1) command_line.assign(argv + 1, argv + argc);
    ContactClient c(globals, std::move(command_line));
    return entry.run(c, args);
  }
  return Fail(absl::StrCat("contacts: ", en ? "unknown command '" : "不明なコマンド '", all[0],
                           en ? "'; try: " : "'。次のいずれかです: ", absl::StrJoin(known, ", "),
                           " (rfsctl contacts help)"));
}

}  // namespace rfs::rfsctl
