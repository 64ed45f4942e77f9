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
//
// Global: --addr (RFS_ADDR), --token (RFS_TOKEN) or --token_file, --json, --timeout_s, --tls.
// Exit codes: 0 success, 2 usage or local error, 10 + the gRPC status code otherwise
// (13 INVALID_ARGUMENT, 15 NOT_FOUND, 17 PERMISSION_DENIED, 19 FAILED_PRECONDITION,
// 20 ABORTED, 24 UNAVAILABLE, 26 UNAUTHENTICATED).
#include "tools/rfsctl/commands.h"

int main(int argc, char** argv) { return rfs::rfsctl::Main(argc, argv); }
