// rfsctl: the command-line client of rfs for people and scripts.
//
//   rfsctl token --key_file KEY --role ROLE --sub NAME [--body_code CODE] [--block BLOCK]
//   rfsctl [plan] create -f PLAN.json [--request_id ID]
//   rfsctl [plan] get NAME [--version N]
//   rfsctl [plan] list [--type A] [--block B] [--prefecture CODE] [--field F] [--stage S]
//                      [--title TEXT] [--page_size N] [--all]
//   rfsctl [plan] update NAME -f FIELDS.json --mask title,indicators [--etag v3]
//   rfsctl [plan] transition NAME STAGE [--comment TEXT] [--etag v3]
//   rfsctl [plan] signoff NAME AUTHOR_CODE [--comment TEXT]
//   rfsctl [plan] versions NAME
//   rfsctl [plan] history NAME
//   rfsctl [plan] diff NAME FROM_VERSION [TO_VERSION]
//   rfsctl refdata
//   rfsctl health [SERVICE]
//   rfsctl kpi record PLAN INDICATOR FY-H VALUE [--breakdown 160008=30,170003=70] [--source S]
//                     [--note N] [--request_id ID] [--etag E]
//   rfsctl kpi verify NAME [--comment C] [--etag E] · kpi return NAME --comment C
//   rfsctl kpi list PLAN [--history] · kpi progress PLAN [--as_of 2026-H2]
//   rfsctl kpi override PLAN INDICATOR STATUS|clear --reason R
//   rfsctl kpi unlock PLAN FY-H --reason R [--until 2026-12-31]
//   rfsctl kpi national FY [--plan_type A] [--block B] [--field F] [--prefecture CODE]
//                      [--include_tokyo_area] [--csv] [--bom]
//   rfsctl kpi import FILE.csv [--dry_run]
//   rfsctl kpi reporting FY-H [--plan_type A] [--block B]
//   rfsctl pdca show PLAN FY-H
//   rfsctl pdca advance PLAN FY-H DO|CHECK|ACT [--findings TEXT] [--action "what|who|YYYY-MM-DD"]
//                       [--request_revision] [--comment C] [--etag E]
//   (details: `rfsctl kpi help`, KpiUsage in kpi_commands.cc)
//   rfsctl events list [--type T]... [--plan PLAN] [--block B] [--prefecture CODE]
//                      [--after CURSOR] [--limit N]
//   rfsctl events watch [--type T]... [--plan PLAN] [--block B] [--prefecture CODE]
//                       [--after CURSOR]
//   (details: `rfsctl events help`, EventsUsage in events_commands.cc)
//   rfsctl subscriptions create --url URL [--types T,T] [--plan PLAN] [--plan_type A|B|C]
//                               [--block B] [--prefecture CODE] [--description TEXT] [--disabled]
//   rfsctl subscriptions list [--page_size N] [--all] · subscriptions get|delete|rotate|test NAME
//   rfsctl subscriptions update NAME [--url URL] [--description TEXT] [--state active|disabled]
//                               [the filter flags of create: they replace the whole filter]
//   rfsctl deliveries list SUBSCRIPTION [--page_size N] [--all]
//   rfsctl deadletters list SUBSCRIPTION [--page_size N] [--all]
//   rfsctl deadletters redeliver subscriptions/ID/deadLetters/N
//   rfsctl deadletters recover SUBSCRIPTION --since RFC3339
//   (details: `rfsctl subscriptions help`, WebhooksUsage in webhook_commands.cc)
//   rfsctl contacts create --address ADDRESS [--body CODE | --block BLOCK] [--display_name N]
//                          [--language ja|en] [--types T,T] [--digest] [--disabled]
//   rfsctl contacts list [--page_size N] [--all] · contacts get|delete NAME
//   rfsctl contacts update NAME [--address A] [--display_name N] [--language ja|en]
//                          [--types T,T] [--digest=true|false] [--state active|disabled]
//   (e-mail; details: `rfsctl contacts help`, ContactsUsage in contacts_commands.cc; a
//   contact's deliveries and dead letters: deliveries|deadletters ... contacts/ID)
//
// Global: --addr (RFS_ADDR), --kpi_addr (RFS_KPI_ADDR, default localhost:50053),
// --notification_addr (RFS_NOTIFICATION_ADDR, default localhost:50054), --token (RFS_TOKEN) or
// --token_file, --json, --timeout_s, --tls.
// Exit codes: 0 success, 2 usage or local error, 10 + the gRPC status code otherwise
// (13 INVALID_ARGUMENT, 15 NOT_FOUND, 17 PERMISSION_DENIED, 19 FAILED_PRECONDITION,
// 20 ABORTED, 24 UNAVAILABLE, 26 UNAUTHENTICATED).
#include "tools/rfsctl/commands.h"

int main(int argc, char** argv) { return rfs::rfsctl::Main(argc, argv); }
