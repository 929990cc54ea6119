using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>apctl against a <see cref="FakeService"/>: what it makes of answers the real services would rarely give.</summary>
[Collection(ApctlUsageTests.Environment)]
public sealed class ApctlServiceAnswerTests
{
    /// <summary>VfioAp at <paramref name="vfioAp"/>, ApBus and GuestVm at a port where nothing answers.</summary>
    static Task<(int Code, string Out, string Error)> AtVfioApAsync(string vfioAp, params string[] args) =>
        ApctlUsageTests.RunAsync([.. args, "--vfioap-url", vfioAp, "--apbus-url", "http://127.0.0.1:1", "--guestvm-url", "http://127.0.0.1:1"]);

    static Task<(int Code, string Out, string Error)> RunAsync(FakeStack stack, params string[] args) => ApctlUsageTests.RunAsync(
        [.. args, "--apbus-url", stack.ApBus.Url.ToString(), "--vfioap-url", stack.VfioAp.Url.ToString(), "--guestvm-url", stack.GuestVm.Url.ToString()]);

    [Fact]
    public async Task Should_name_the_service_that_answered_something_not_JSON_in_one_line()
    {
        using var service = new FakeStack((_, _, _) => (200, "<html>not JSON</html>"));

        var (code, _, error) = await RunAsync(service, "host", "show", "h");
        var (jsonCode, json, _) = await RunAsync(service, "host", "show", "h", "-o", "json");

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.StartsWith($"apctl: ApBus at {service.ApBus.Url} answered GET /hosts/{{host}} with something that is not JSON: ",
            Assert.Single(error.TrimEnd().Split('\n')));
        Assert.Equal(ExitCodes.Unavailable, jsonCode);
        Assert.Equal(ExitCodes.Unavailable, JsonNode.Parse(json)!["error"]!["exitCode"]!.GetValue<int>());
        Assert.Equal("unavailable", JsonNode.Parse(json)!["error"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_say_when_a_services_address_answers_as_another_service()
    {
        using var apBus = new FakeService((_, _, _) => (200, "[]"), service: "ApBus");

        var (code, _, error) = await AtVfioApAsync(apBus.Url.ToString(), "mdev", "list", "h");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal($"apctl: VfioAp's address {apBus.Url} answers as ApBus: check --vfioap-url or APMATRIX_VFIOAP_URL", error.TrimEnd());
    }

    [Fact]
    public async Task Should_not_take_a_success_from_a_server_that_names_no_apmatrix_service()
    {
        using var other = new FakeService((_, _, _) => (200, "[]"));

        var (code, output, error) = await AtVfioApAsync(other.Url.ToString(), "mdev", "list", "h");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(output);
        Assert.Equal($"apctl: VfioAp's address {other.Url} answers as no apmatrix service (no X-Apmatrix-Service header): check --vfioap-url or APMATRIX_VFIOAP_URL",
            error.TrimEnd());
    }

    [Fact]
    public async Task Should_list_one_services_dead_letters_while_the_other_is_away_and_exit_3()
    {
        using var vfioAp = new FakeService((_, _, _) => (200, """[{"queue":"bus-events-3_error","messages":2}]"""), service: "VfioAp");
        var (code, output, error) = await AtVfioApAsync(vfioAp.Url.ToString(), "errors", "list");
        var (jsonCode, json, _) = await AtVfioApAsync(vfioAp.Url.ToString(), "errors", "list", "-o", "json");

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("bus-events-3_error", output);
        Assert.StartsWith("apctl: GuestVm at http://127.0.0.1:1/ is unreachable: ", error);
        Assert.Equal(ExitCodes.Unavailable, jsonCode);
        Assert.Equal(ExitCodes.Unavailable, JsonNode.Parse(json)!["error"]!["exitCode"]!.GetValue<int>());
        Assert.Equal("unavailable", JsonNode.Parse(json)!["error"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_name_both_services_when_neither_can_list_its_dead_letters()
    {
        var (code, _, error) = await ApctlUsageTests.RunAsync(
            ["errors", "list", "--apbus-url", "http://127.0.0.1:1", "--vfioap-url", "http://127.0.0.1:1", "--guestvm-url", "http://127.0.0.1:1"]);

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Matches("^apctl: VfioAp at http://127.0.0.1:1/ is unreachable: .+; GuestVm at http://127.0.0.1:1/ is unreachable: ", error);
    }

    [Theory]
    [InlineData("/vfioap")]
    [InlineData("/vfioap/")]
    public async Task Should_keep_the_path_of_a_service_address(string prefix)
    {
        using var service = new FakeService((_, _, _) => (200, "[]"), service: "VfioAp");

        var (code, _, error) = await AtVfioApAsync($"{service.Url}{prefix.TrimStart('/')}", "mdev", "list", "h");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Equal("GET /vfioap/hosts/h/mdevs", Assert.Single(service.Requests));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Should_call_a_stack_refusing_the_key_or_request_bad_input_as_every_verb_does(int status)
    {
        using var service = new FakeStack((_, _, _) => (status, ""));

        var (code, _, error) = await RunAsync(service, "scenario", "run", "--stack", Path.Combine(Repository.Root(), "tests/scenarios/01-adapter-added.json"));

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
    }

    [Theory]
    [InlineData(null, "apctl: ApBus wants an API key: none was given (APMATRIX_API_KEY or --api-key-file)")]
    [InlineData("some-key", "apctl: ApBus does not know the API key (APMATRIX_API_KEY or --api-key-file)")]
    public async Task Should_tell_a_missing_key_from_an_unknown_one(string? key, string message)
    {
        using var service = new FakeStack((_, _, _) => (401, ""));
        var before = Environment.GetEnvironmentVariable("APMATRIX_API_KEY");
        Environment.SetEnvironmentVariable("APMATRIX_API_KEY", key);
        try
        {
            var (code, _, error) = await RunAsync(service, "host", "show", "h");

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Equal(message, error.TrimEnd());
        }
        finally
        {
            Environment.SetEnvironmentVariable("APMATRIX_API_KEY", before);
        }
    }

    [Fact]
    public async Task Should_show_a_guest_s_suspended_milliseconds_to_three_places()
    {
        using var service = new FakeStack((_, _, _) => (200, """
            {"guest": "g0", "host": "h", "vcpus": 4, "mdev": "m1", "apm": "1", "aqm": "1", "adm": "", "updates": 3, "version": 3,
             "suspendedMilliseconds": 0.40290000000000004, "history": []}
            """));

        var (code, output, error) = await RunAsync(service, "guest", "show", "h", "g0");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Contains("updates   3 applied, version 3, vCPUs suspended 0.403 ms in all", output);
    }

    [Fact]
    public async Task Should_not_call_a_scan_applied_while_its_config_changed_window_stays_open()
    {
        using var service = new FakeStack((method, path, _) => (200, (method, path) switch
        {
            ("GET", "/hosts/h/guests") => "[]",
            ("GET", "/hosts/h") => """{"host": "h", "lastSequence": 5, "openScanId": "0193a5f0-0000-7000-8000-000000000001"}""",
            _ => """{"host": "h", "lastSequence": 5}""",
        }));

        var (code, output, error) = await RunAsync(service, "host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "", "--wait");
        var (_, json, _) = await RunAsync(service, "host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "", "--wait", "-o", "json");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Contains("its config-changed window is still open", output);
        Assert.True(JsonNode.Parse(json)!["scanOpen"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Should_count_no_guest_acknowledged_before_the_change_s_bus_events_are_applied()
    {
        using var service = new FakeStack((method, path, _) => (200, (method, path) switch
        {
            ("GET", "/hosts/h/guests") => """[{"guest": "g0", "version": 3, "acknowledgedVersion": 3}]""",
            ("PUT", "/hosts/h/config") => """{"host": "h", "lastSequence": 8}""",
            _ => """{"host": "h", "lastSequence": 5}""",
        }));

        var (code, _, error) = await RunAsync(service, "host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "", "--wait", "--timeout", "1");

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("bus events applied 0/3, guests acknowledged 0/1", error);
        Assert.EndsWith("not through after 1 s: 0 of 3 bus events applied, 0 of 1 guests acknowledged", error.TrimEnd());
    }

    [Fact]
    public async Task Should_ask_again_a_service_that_says_it_is_starting_and_when_to_ask()
    {
        var starting = 2;
        using var service = new FakeStack((method, _, _) => method == "GET" ? (200, Host) : Interlocked.Decrement(ref starting) >= 0
            ? (503, """{"kind": "unavailable", "title": "The service is starting", "status": 503}""")
            : (200, """{"guest": "g0", "host": "h", "vcpus": 4, "format": "Apcb1"}"""), retryAfterSeconds: 1);

        var (code, output, error) = await RunAsync(service, "guest", "define", "h", "g0");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Equal("guest g0 defined: 4 vCPUs, Apcb1", output.TrimEnd());
        Assert.Equal(2, error.Split('\n').Count(l => l.Contains("answered 503 (The service is starting); asking again in 1 s")));
        Assert.Equal(4, service.Requests.Count);
    }

    [Fact]
    public async Task Should_ask_again_a_service_too_busy_for_the_host_when_it_says()
    {
        var busy = 1;
        using var service = new FakeStack((method, _, _) => method == "GET" ? (200, Host) : Interlocked.Decrement(ref busy) >= 0
            ? (429, """{"kind": "too-many-requests", "title": "Too many requests", "status": 429}""")
            : (200, """{"guest": "g0", "host": "h", "vcpus": 4, "format": "Apcb1"}"""), retryAfterSeconds: 1);

        var (code, _, error) = await RunAsync(service, "guest", "define", "h", "g0");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Contains("answered 429 (Too many requests); asking again in 1 s", error);
        Assert.Equal(3, service.Requests.Count);
    }

    /// <summary>VfioAp's answer for a host it knows, as apctl's guest define asks first.</summary>
    const string Host = """{"host": "h", "lastSequence": 0}""";

    [Theory]
    [InlineData(404, ExitCodes.Refused)]
    [InlineData(200, ExitCodes.Done)]
    public async Task Should_call_a_host_without_guests_not_found_only_when_vfio_ap_does_not_know_it(int vfioApStatus, int exitCode)
    {
        using var service = new FakeStack((_, path, _) => path == "/hosts/hx/guests" ? (200, "[]")
            : vfioApStatus == 404 ? (404, """{"kind": "not-found", "title": "Not found", "status": 404, "detail": "no host hx"}""") : (200, Host));

        var (code, _, error) = await RunAsync(service, "guest", "list", "hx");

        Assert.Equal(exitCode, code);
        Assert.Equal(exitCode == ExitCodes.Done ? "" : "apctl: not-found: no host hx", error.TrimEnd());
        Assert.Equal(["GET /hosts/hx/guests", "GET /hosts/hx"], service.Requests);
    }

    [Fact]
    public async Task Should_define_no_guest_on_a_host_vfio_ap_does_not_know()
    {
        using var service = new FakeStack((method, _, _) => method == "GET"
            ? (404, """{"kind": "not-found", "title": "Not found", "status": 404, "detail": "no host hx"}""")
            : (200, """{"guest": "g0", "host": "hx", "vcpus": 4, "format": "Apcb1"}"""));

        var (code, _, error) = await RunAsync(service, "guest", "define", "hx", "g0");
        var (_, json, _) = await RunAsync(service, "guest", "define", "hx", "g0", "-o", "json");

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Equal("apctl: not-found: no host hx: define it first (apctl host define)", error.TrimEnd());
        Assert.Equal("not-found", JsonNode.Parse(json)!["error"]!["kind"]!.GetValue<string>());
        Assert.Equal(["GET /hosts/hx", "GET /hosts/hx"], service.Requests);
    }

    [Fact]
    public async Task Should_say_which_client_and_role_a_service_refused()
    {
        using var service = new FakeStack((_, _, _) =>
            (403, """{"kind": "forbidden", "title": "Forbidden", "status": 403, "detail": "API client 'viewer' (role viewer) may not DELETE this endpoint"}"""));

        var (code, _, error) = await RunAsync(service, "mdev", "remove", "h", "m1");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("does not allow this to the API key's role (API client 'viewer' (role viewer) may not DELETE this endpoint)", error);
    }

    [Fact]
    public async Task Should_send_again_a_change_that_lost_a_race_at_the_database_and_not_a_refusal()
    {
        var raced = 2;
        using var service = new FakeStack((_, _, _) => Interlocked.Decrement(ref raced) >= 0
            ? (409, """{"kind": "contention", "title": "Changed concurrently", "status": 409}""")
            : (409, """{"kind": "busy", "title": "Busy", "status": 409, "detail": "mdev m1 is held by guest g1"}"""));

        var (code, _, error) = await RunAsync(service, "mdev", "remove", "h", "m1");

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Equal(2, error.Split('\n').Count(l => l.Contains("answered 409 (Changed concurrently); asking again in 0.2 s")));
        Assert.Contains("busy: mdev m1 is held by guest g1", error);
        Assert.Equal(3, service.Requests.Count);
    }

    [Fact]
    public async Task Should_apply_a_modify_to_a_new_read_when_another_writer_changed_the_matrix_in_between()
    {
        var (tag, domains) = (1, "1");
        using var vfioAp = new FakeService((method, _, body) =>
        {
            if (method == "PUT" && JsonNode.Parse(body)!["ifMatrixTag"]!.GetValue<string>() != $"t{tag}")
                return (409, """{"kind": "changed", "title": "Changed since read", "status": 409}""");
            // The first read is overtaken by another writer's domain 2; the second is not.
            if (method == "PUT") domains = JsonNode.Parse(body)!["aqm"]!.GetValue<string>();
            var mdev = $$"""{"name": "m1", "host": "h", "guest": null, "matrixTag": "t{{tag}}", "assigned": {"apm": "4", "aqm": "{{domains}}", "adm": ""} }""";
            if (method == "GET" && tag == 1) (tag, domains) = (2, "1-2");
            return (200, mdev);
        }, service: "VfioAp");

        var (code, _, error) = await AtVfioApAsync(vfioAp.Url.ToString(), "mdev", "modify", "h", "m1", "--assign-domain", "5", "-o", "json");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Contains("mdev m1's matrix changed while this change was made; reading it again", error);
        Assert.Equal("1-2,5", domains);
        Assert.Equal(["GET", "PUT", "GET", "PUT"], vfioAp.Requests.Select(r => r[..r.IndexOf(' ')]));
    }

    [Fact]
    public async Task Should_count_the_queues_of_a_shadow_APCB_not_the_lines_of_its_guest_matrix()
    {
        // guest_matrix lists an adapter without domains ("07.") and a domain without adapters (".0001") as lines of their own.
        static string Mdev(string name, string apm, string aqm, string lines) =>
            $$"""{"name": "{{name}}", "host": "h", "guest": null, "assigned": {"apm": "{{apm}}", "aqm": "{{aqm}}", "adm": ""}, "shadow": {"apm": "{{apm}}", "aqm": "{{aqm}}", "adm": ""}, "guestMatrix": [{{lines}}]}""";
        using var vfioAp = new FakeService((_, _, _) => (200, $"[{Mdev("a", "7", "", "\"07.\"")}, {Mdev("d", "", "0-1", "\".0000\", \".0001\"")}, " +
            $"{Mdev("q", "4-5", "1-2", "\"04.0001\", \"04.0002\", \"05.0001\", \"05.0002\"")}]"), service: "VfioAp");

        var (code, output, error) = await AtVfioApAsync(vfioAp.Url.ToString(), "mdev", "list", "h");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Equal(["0", "0", "4"], output.TrimEnd().Split('\n').Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]));
    }

    [Fact]
    public async Task Should_give_up_on_a_service_that_stays_unavailable_past_the_retry_time()
    {
        using var service = new FakeStack((_, _, _) => (503, """{"kind": "unavailable", "title": "The service is starting", "status": 503}"""),
            retryAfterSeconds: (int)ServiceClient.RetryFor.TotalSeconds + 1);

        var (code, _, error) = await RunAsync(service, "guest", "define", "h", "g0");

        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Single(service.Requests);
        Assert.DoesNotContain("asking again", error);
    }

    [Fact]
    public async Task Should_redrive_the_messages_there_at_the_start_once_though_one_faults_back_at_once()
    {
        var posts = 0;
        // A poison event: sent back, it faults again and is in the queue before the answer.
        using var service = new FakeStack((method, path, _) => method == "GET"
            ? (200, path == "/dead-letters" ? """[{"queue": "q_error", "messages": 1}]""" : "[]")
            : Interlocked.Increment(ref posts) <= 50 ? (200, """{"queue": "q_error", "moved": 1, "remaining": 1}""") : (200, """{"queue": "q_error", "moved": 0, "remaining": 1}"""));

        var (code, output, error) = await RunAsync(service, "errors", "redrive", "q_error");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Equal("q_error: 1 message(s) sent back, 1 left", output.TrimEnd());
        Assert.Equal(1, posts);
    }

    [Fact]
    public async Task Should_redrive_a_count_above_the_services_limit_in_pages_it_takes()
    {
        var remaining = 25_000;
        using var service = new FakeStack((method, path, body) =>
        {
            if (method == "GET") return (200, path == "/dead-letters" ? $$"""[{"queue": "q_error", "messages": {{remaining}}}]""" : "[]");
            var count = JsonNode.Parse(body)!["count"]!.GetValue<int>();
            if (count > 10_000) return (400, "");
            remaining -= count;
            return (200, $$"""{"queue": "q_error", "moved": {{count}}, "remaining": {{remaining}}}""");
        });

        var (code, output, error) = await RunAsync(service, "errors", "redrive", "q_error", "--count", "20000");

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.Equal("q_error: 20000 message(s) sent back, 5000 left", output.TrimEnd());
        Assert.Equal(["""{"count":10000}""", """{"count":10000}"""],
            service.Requests.Where(r => r.StartsWith("POST", StringComparison.Ordinal)).Select(r => r[(r.IndexOf('{'))..]));
    }
}
