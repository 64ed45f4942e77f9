// The texts of the e-mails rfs-notification sends to the people of a contact (docs/api.md
// "E-mail"): prefecture and municipality staff, bureau reviewers, the secretariat. Pure
// functions of an event, a language and the reference data; no state, safe from any thread.
//
// Every mail says what happened, to which plan (its name, type, block and prefectures: events
// do not carry the title), what to do and by when; then, below a separator line, the same in
// the other language ("ja": Japanese first, "en": English first; anything else is taken as
// "ja"); then a footer, in both languages, saying how to stop these mails and that
// rfs-notification sent them. Lines end with "\n" alone (the SMTP layer makes them CRLF);
// the subject is one line of at most kMaxSubjectChars code points.
//
// Nothing of an event reaches a mail as it is: every value has its control characters (CR, LF
// included: no header injection through the subject) replaced by spaces, is cut to a bounded
// length, and is left out ("***") when it looks like an e-mail address, a URL, a webhook
// secret or a bearer token, so that no mail carries an address, a token or a URL with a
// secret, whatever a producer put in its attributes. The actor (a token subject) is not shown.
//
// What is mailed (RenderEventMail answers nullopt for the rest):
//   kpi.report_due, kpi.report_overdue        always (attributes period "2026-H1", deadline)
//   requirement.check_completed               verdict FAIL only (attribute unmet)
//   requirement.review_recorded               decision REVIEW_DECISION_RETURNED only
//   plan.stage_changed                        always (attributes from_stage, to_stage)
//   plan.signed_off                           joint plans only (two or more author_codes)
//   webhook.subscription_disabled             always (subscription, owner, reason)
//   any other type                            generically: the type, the plan, the attributes
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs::notification {

struct MailText {
  std::string subject;  // one line, "[rfs] …", no line break
  std::string body;     // lines ending "\n", never "\r"
};

// Subjects are cut to this many code points (with "…").
inline constexpr size_t kMaxSubjectChars = 120;
// A digest lists at most this many items; the rest are counted ("and N more").
inline constexpr size_t kMaxDigestItems = 500;

// The mail about one event for a contact whose language is `language`; nullopt when the event
// is one that is not mailed (a check that passed or awaits review, a review accepted, the
// sign-off of a single-author plan).
std::optional<MailText> RenderEventMail(const common::v1::Event& event, absl::string_view language,
                                        const ReferenceData& reference);

// The daily digest of `day` (its date in JST names it): one mail listing `items` (each made by
// DigestLine), numbered, with their count in the subject.
MailText RenderDigestMail(const std::vector<std::string>& items, absl::Time day,
                          absl::string_view language);

// One line of a digest about `event`: its time (JST), what happened and to which plan, in both
// languages, the contact's first, "／" between; nullopt when the event is not mailed.
std::optional<std::string> DigestLine(const common::v1::Event& event, absl::string_view language,
                                      const ReferenceData& reference);

// The event types mailed to a contact that names none: kpi.report_due, kpi.report_overdue,
// requirement.check_completed, requirement.review_recorded, plan.stage_changed,
// plan.signed_off, webhook.subscription_disabled.
const std::vector<std::string>& DefaultMailEventTypes();

}  // namespace rfs::notification
