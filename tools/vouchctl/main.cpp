// vouchctl: the admin console CLI of vouchd (docs/reference.md#vouchctl). This file holds
// the whole CLI11 setup (CLI11 is heavy to compile); the commands are in commands.cpp and
// watch.cpp.
//
// Exit codes: 0 success, 1 an error answer from the daemon, 2 a usage error, 3 the daemon
// cannot be reached.
#include <cstdlib>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "net/http_client.hpp"
#include "tools/version/version.hpp"
#include "tools/vouchctl/commands.hpp"

namespace ctl = vouch::ctl;

int main(int argc, char** argv) {
  vouch::net::http_client::global_init();

  ctl::global_options g;
  if (const char* env = std::getenv("VOUCH_ADMIN_URL"); env && *env) g.admin = env;
  if (const char* env = std::getenv("VOUCH_ADMIN_TOKEN"); env && *env) g.token = env;

  CLI::App app{"vouchctl: admin console for vouchd (talks to its admin API)", "vouchctl"};
  app.set_version_flag("--version", vouch::version_line("vouchctl"), "print the version and exit");
  app.fallthrough();  // global options are accepted after the command too (inherited)
  app.require_subcommand(1);
  app.add_option("--admin", g.admin, "admin API base URL ($VOUCH_ADMIN_URL)")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--token", g.token, "admin bearer token ($VOUCH_ADMIN_TOKEN)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--json", g.json, "print the admin API's JSON as is");
  app.footer(
      "Examples:\n"
      "  export VOUCH_ADMIN_URL=http://127.0.0.1:8081 VOUCH_ADMIN_TOKEN=...\n"
      "  vouchctl orgs ls\n"
      "  vouchctl orgs health acme                  # is the Lever connection healthy, and why "
      "not\n"
      "  vouchctl candidates ls acme --state needs_attention\n"
      "  vouchctl candidates show acme opp-1        # fields, history, timers, commands\n"
      "  vouchctl outbox ls --dead && vouchctl outbox retry --all --org acme\n"
      "  vouchctl --json orgs show acme | jq .connection\n"
      "  vouchctl backup /var/lib/vouch/backups/vouch-$(date +%F).mdb\n"
      "Exit codes: 0 ok, 1 vouchd answered an error, 2 usage, 3 vouchd unreachable.");

  std::function<int()> run;  // set by the chosen command's callback
  std::string org, id, opp, name, file, state, posting, tags;
  bool flag_a = false, flag_b = false;

  // -- orgs --
  auto* orgs = app.add_subcommand("orgs", "list, show and create orgs")->require_subcommand(1);
  orgs->add_subcommand("ls", "list orgs")->callback([&] { run = [&] { return ctl::orgs_ls(g); }; });
  {
    auto* c = orgs->add_subcommand("show", "show one org and its Lever connection");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::orgs_show(g, org); }; });
  }
  {
    auto* c = orgs->add_subcommand("health", "is the org's Lever connection healthy, and why not");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::orgs_health(g, org); }; });
  }
  {
    auto* c = orgs->add_subcommand("reconcile", "ask Lever now for changes the webhooks missed");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::orgs_reconcile(g, org); }; });
  }
  {
    auto* c = orgs->add_subcommand("create", "create an org (or rename it)");
    c->add_option("ORG", org, "org id: 1-64 of [a-z0-9_-]")->required();
    c->add_option("--name", name, "display name")->required();
    c->callback([&] { run = [&] { return ctl::orgs_create(g, org, name); }; });
  }

  // -- connect --
  ctl::connect_options co;
  {
    auto* c = app.add_subcommand("connect", "connect an org to Lever");
    c->add_option("ORG", co.org, "org id")->required();
    c->add_option("--api-key", co.api_key, "Lever API key")->required();
    c->add_option("--stage-token", co.stage_token, "signature token of the stage-change webhook")
        ->required();
    c->add_option("--hired-token", co.hired_token, "signature token of the hired webhook")
        ->required();
    c->add_option("--trigger-stage", co.trigger_stages,
                  "stage name or id that starts a reference check (repeatable)")
        ->required();
    auto* perform = c->add_option("--perform-as", co.perform_as, "Lever user id to act as");
    c->add_flag("--auto-export", co.auto_export, "export new prospects to Lever as they come");
    c->add_flag("--export-existing", co.export_existing, "export the org's stored prospects now");
    auto* url = c->add_option("--lever-url", co.lever_url, "Lever API base URL for this org");
    c->callback([&, perform, url] {
      co.perform_as_set = perform->count() > 0;
      co.lever_url_set = url->count() > 0;
      run = [&] { return ctl::connect(g, co); };
    });
  }

  // -- webhook-urls --
  {
    auto* c = app.add_subcommand("webhook-urls", "the Lever webhook URLs of an org");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::webhook_urls(g, org); }; });
  }

  // -- templates --
  auto* tpl = app.add_subcommand("templates", "reference-check templates")->require_subcommand(1);
  {
    auto* c = tpl->add_subcommand("ls", "list an org's templates");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::templates_ls(g, org); }; });
  }
  {
    auto* c = tpl->add_subcommand("show", "show one template");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("ID", id, "template id")->required();
    c->callback([&] { run = [&] { return ctl::templates_show(g, org, id); }; });
  }
  {
    auto* c = tpl->add_subcommand(
        "apply",
        "create or update templates from a JSON file (one template or an array; "
        "with \"id\": update, without: create)");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("FILE", file, "JSON file, or - for stdin")->required();
    c->footer(
        "Examples:\n  vouchctl templates apply acme templates.json\n"
        "  jq '.[0]' all.json | vouchctl templates apply acme -");
    c->callback([&] { run = [&] { return ctl::templates_apply(g, org, file); }; });
  }
  {
    auto* c = tpl->add_subcommand("rm", "delete a template");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("ID", id, "template id")->required();
    c->callback([&] { run = [&] { return ctl::templates_rm(g, org, id); }; });
  }
  {
    auto* c = tpl->add_subcommand("match", "which template a posting (or a tag set) gets, and why");
    c->add_option("ORG", org, "org id")->required();
    auto* p = c->add_option("--posting", posting, "Lever posting id");
    auto* t = c->add_option("--tags", tags, "comma-separated posting tags");
    p->excludes(t);
    c->callback([&, p, t] {
      if (p->count() + t->count() != 1)
        throw CLI::ValidationError("templates match", "give exactly one of --posting or --tags");
      run = [&] { return ctl::templates_match(g, org, posting, tags); };
    });
  }

  // -- candidates --
  auto* cand =
      app.add_subcommand("candidates", "candidates (Lever opportunities)")->require_subcommand(1);
  {
    auto* c = cand->add_subcommand("ls", "list an org's candidates, newest change first");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("--state", state, "only candidates in this state");
    c->callback([&] { run = [&] { return ctl::candidates_ls(g, org, state); }; });
  }
  {
    auto* c = cand->add_subcommand("show", "a candidate's fields, history, timers and commands");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("OPP", opp, "Lever opportunity id")->required();
    c->callback([&] { run = [&] { return ctl::candidates_show(g, org, opp); }; });
  }
  for (const char* action : {"resend", "retry"}) {
    auto* c = cand->add_subcommand(action, std::string(action) == "resend"
                                               ? "start a fresh reference request"
                                               : "leave needs_attention and retry the last step");
    c->add_option("ORG", org, "org id")->required();
    c->add_option("OPP", opp, "Lever opportunity id")->required();
    const std::string a = action;
    c->callback([&, a] { run = [&, a] { return ctl::candidates_action(g, org, opp, a); }; });
  }

  // -- outbox --
  auto* outbox = app.add_subcommand("outbox", "outgoing commands")->require_subcommand(1);
  {
    auto* c = outbox->add_subcommand("ls", "list pending commands (--dead: dead-lettered ones)");
    c->add_flag("--dead", flag_a, "list dead-lettered commands");
    c->callback([&] { run = [&] { return ctl::outbox_ls(g, flag_a); }; });
  }
  {
    auto* c = outbox->add_subcommand(
        "retry",
        "requeue a dead command, or with --all every dead one (narrowed by --org, --kind)");
    c->add_option("ID", id, "command id");
    c->add_flag("--all", flag_a, "requeue every dead command the filters pick");
    c->add_option("--org", org, "with --all: only this org's commands");
    c->add_option("--kind", name, "with --all: only this kind, e.g. platform.create_request");
    c->callback([&] {
      if (flag_a == !id.empty())
        throw CLI::ValidationError("outbox retry", "give a command ID or --all, not both");
      if (!flag_a && (!org.empty() || !name.empty()))
        throw CLI::ValidationError("outbox retry", "--org and --kind go with --all");
      run = [&] { return flag_a ? ctl::outbox_retry_all(g, org, name) : ctl::outbox_retry(g, id); };
    });
  }

  // -- export --
  auto* exp = app.add_subcommand("export", "bulk prospect exports to Lever")->require_subcommand(1);
  {
    auto* c = exp->add_subcommand("start", "start exporting an org's stored prospects");
    c->add_option("ORG", org, "org id")->required();
    c->add_flag("--watch", flag_a, "follow the progress until it ends");
    c->callback([&] { run = [&] { return ctl::export_start(g, org, flag_a); }; });
  }
  {
    auto* c = exp->add_subcommand("show", "an export's progress");
    c->add_option("ID", id, "export id")->required();
    c->add_flag("--watch", flag_a, "follow the progress until it ends");
    c->callback([&] { run = [&] { return ctl::export_show(g, id, flag_a); }; });
  }
  {
    auto* c = exp->add_subcommand("ls", "an org's exports, newest first");
    c->add_option("ORG", org, "org id")->required();
    c->callback([&] { run = [&] { return ctl::export_ls(g, org); }; });
  }
  {
    auto* c =
        exp->add_subcommand("cancel", "stop an export; what it has not exported stays queued");
    c->add_option("ID", id, "export id")->required();
    c->callback([&] { run = [&] { return ctl::export_cancel(g, id); }; });
  }

  // -- backup --
  {
    auto* c = app.add_subcommand(
        "backup",
        "online backup of the store into FILE on vouchd's machine (LMDB compacting copy)");
    c->add_option("FILE", file, "where the copy goes; must not exist")->required();
    c->footer("Example: vouchctl backup /var/lib/vouch/backups/vouch-$(date +%F).mdb");
    c->callback([&] { run = [&] { return ctl::backup(g, file); }; });
  }

  // -- top --
  {
    auto* c = app.add_subcommand("top", "live engine figures (q or Ctrl-C quits)");
    c->add_flag("--once", flag_b, "print one snapshot and exit");
    c->callback([&] { run = [&] { return ctl::top(g, flag_b); }; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help (code 0) or the error
    return code == 0 ? ctl::exit_ok : ctl::exit_usage;
  }
  if (!run) {
    std::cerr << app.help();
    return ctl::exit_usage;
  }

  try {
    return run();
  } catch (const ctl::api_error& e) {
    std::cerr << "vouchctl: error " << e.error_code() << " (HTTP " << e.status()
              << "): " << e.message() << '\n';
    if (e.status() == 401)
      std::cerr << "hint: check --token / VOUCH_ADMIN_TOKEN\n";
    else if (e.status() == 404)
      std::cerr << "hint: unknown org, candidate, template or id; see `vouchctl orgs ls`, "
                   "`vouchctl candidates ls ORG`, `vouchctl templates ls ORG`\n";
    return ctl::exit_daemon_error;
  } catch (const ctl::failure& e) {
    std::cerr << "vouchctl: " << e.what() << '\n';
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << "vouchctl: " << e.what() << '\n';
    return ctl::exit_daemon_error;
  }
}
