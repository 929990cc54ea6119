using Apmatrix.Apctl.Cli;

namespace Apmatrix.Tools.Tests;

/// <summary>apctl's command line without services: help, version, completion, and bad usage as exit 2.</summary>
[Collection(Environment)]
public sealed class ApctlUsageTests
{
    /// <summary>The tests that set apctl's environment variables, which are the whole process's: one at a time.</summary>
    public const string Environment = "apctl environment";

    // Port 1: were anything sent, it would fail as unreachable (3), not as bad usage.
    static readonly string[] Nowhere = ["--apbus-url", "http://127.0.0.1:1", "--vfioap-url", "http://127.0.0.1:1", "--guestvm-url", "http://127.0.0.1:1"];

    public static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ApctlCli.RunAsync(args, new Io(output, error, Terminal: false));
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("mdev", "define", "--help")]
    [InlineData("--version")]
    public async Task Should_answer_help_and_version_with_0(params string[] args)
    {
        var (code, output, _) = await RunAsync(args);

        Assert.Equal(ExitCodes.Done, code);
        Assert.NotEmpty(output);
    }

    [Theory]
    [InlineData("-o", "json", "--version")]
    [InlineData("--version", "--output", "json")]
    public async Task Should_answer_the_version_as_JSON_with_output_json(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.True(code == ExitCodes.Done, $"exit {code}: {error}");
        Assert.StartsWith("1.0.0+", System.Text.Json.Nodes.JsonNode.Parse(output)!["version"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("apctl needs a verb: host, ap, mdev, guest, errors, scenario, completion")]
    [InlineData("apctl has no verb 'frobnicate'; its verbs: host, ap, mdev, guest, errors, scenario, completion", "frobnicate")]
    [InlineData("apctl host needs a verb: list, show, define, config, masks", "host")]
    [InlineData("apctl errors has no verb 'lsit'; its verbs: list, show, redrive", "errors", "lsit", "q_error")]
    [InlineData("apctl host needs a verb: list, show, define, config, masks\napctl: apctl host has no option '--x'", "host", "--x")]
    [InlineData("apctl has no verb 'frobnicate'; its verbs: host, ap, mdev, guest, errors, scenario, completion\napctl: apctl has no option '--bogus'",
        "--bogus", "frobnicate")]
    [InlineData("apctl host needs a verb: list, show, define, config, masks\napctl: --apbus-url: notaurl is not an http(s) address", "host", "--apbus-url", "notaurl")]
    public async Task Should_name_the_verbs_of_a_group_given_none_or_a_wrong_one(string message, params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"apctl: {message.ReplaceLineEndings()}{System.Environment.NewLine}see: apctl", error);
    }

    [Theory]
    [InlineData("mdev", "lsit", "h")]
    [InlineData("host", "show")]
    [InlineData("host", "list", "--output", "yaml")]
    [InlineData("--version", "host")]
    [InlineData("host", "list", "--version")]
    [InlineData("host", "list", "--apbus-url", "not a url")]
    [InlineData("host", "config", "h", "--apm", "1")]
    [InlineData("mdev", "modify", "h", "m", "--assign-adapter", "256")]
    [InlineData("mdev", "modify", "h", "m")]
    [InlineData("mdev", "modify", "h", "m", "--assign-domain", "5,6", "--unassign-domain", "6")]
    [InlineData("mdev", "define", "h", "m", "--jsonfile", "/nonexistent/m.json")]
    [InlineData("mdev", "define", "h", "m", "--jsonfile", "/")]
    [InlineData("host", "define", "X", "--apm", "4-5", "--aqm", "0-3,zz", "--adm", "0")]
    [InlineData("host", "define", "X", "--apmask", "0xz")]
    [InlineData("host", "define", "X", "--max-adapter", "256")]
    [InlineData("host", "define", "X", "--apm", "20", "--max-adapter", "15")]
    [InlineData("host", "define", "X", "--aqm", "0", "--adm", "16", "--max-domain", "15")]
    [InlineData("host", "masks", "h", "--apmask", "1-", "--aqmask", "")]
    [InlineData("host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "300")]
    [InlineData("host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "1", "--wait", "--timeout", "0")]
    [InlineData("host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "1", "--timeout", "30")]
    [InlineData("errors", "redrive", "q_error", "--count", "0")]
    [InlineData("scenario", "run", "--form", "per-queue", "tests/scenarios")]
    [InlineData("errors", "show", "q_error", "--count", "101")]
    [InlineData("guest", "define", "h", "g", "--vcpus", "249")]
    public async Task Should_call_bad_usage_2_before_calling_anything(params string[] args)
    {
        var (code, _, error) = await RunAsync([.. args, .. Nowhere]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.StartsWith("apctl: ", error);
    }

    [Theory]
    [InlineData("host", "show", "", "host name is required")]
    [InlineData("host", "show", ".", "'.' breaks the rule for host names")]
    [InlineData("ap", "list", "h*", "'h*' breaks the rule for host names")]
    [InlineData("mdev", "show", "h", "..", "'..' breaks the rule for mdev names")]
    [InlineData("mdev", "show", "h", "", "mdev name is required")]
    [InlineData("mdev", "remove", "h", "m/../n", "'m/../n' breaks the rule for mdev names")]
    [InlineData("mdev", "attach", "h", "m", "--guest", "g 1", "'g 1' breaks the rule for guest names")]
    [InlineData("guest", "show", "h", "", "guest name is required")]
    [InlineData("guest", "define", "h/x", "g", "'h/x' breaks the rule for host names")]
    public async Task Should_refuse_a_name_breaking_the_rule_before_calling_anything(params string[] args)
    {
        var (code, _, error) = await RunAsync([.. args[..^1], .. Nowhere]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.StartsWith($"apctl: {args[^1]}", error);
    }

    [Theory]
    [InlineData("host", "define", "X", "--max-adapter", "abc", "--max-adapter: 'abc' is not a whole number from 0 to 255")]
    [InlineData("host", "define", "X", "--max-domain", "99999999999", "--max-domain: '99999999999' is not a whole number from 0 to 255")]
    [InlineData("host", "config", "h", "--apm", "1", "--aqm", "1", "--adm", "1", "--wait", "--timeout", "1.5",
        "--timeout: '1.5' is not a whole number from 1 to 86400")]
    [InlineData("errors", "redrive", "q_error", "--count", "x", "--count: 'x' is not a whole number 1 or more")]
    [InlineData("guest", "define", "h", "g", "--vcpus", "0", "--vcpus: 0 is not from 1 to 248")]
    public async Task Should_name_the_option_of_a_number_it_cannot_take(params string[] args)
    {
        var (code, _, error) = await RunAsync([.. args[..^1], .. Nowhere]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.StartsWith($"apctl: {args[^1]}{System.Environment.NewLine}", error);
        Assert.EndsWith($"see: apctl {args[0]} {args[1]} --help", error.TrimEnd());
    }

    [Fact]
    public async Task Should_name_every_option_with_ids_above_the_maxima_at_once()
    {
        var (code, _, error) = await RunAsync(["host", "define", "X", "--apm", "4,64-65", "--aqm", "0", "--adm", "16", "--max-adapter", "63",
            "--max-domain", "15", .. Nowhere]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.Equal("apctl: --apm: adapters 64-65 are above the host's maximum adapter 63; --adm: control domain 16 is above the host's maximum domain 15",
            error.TrimEnd());
    }

    [Theory]
    [InlineData("host", "show", "-o", "json")]
    [InlineData("mdev", "lsit", "h", "--output", "json")]
    [InlineData("host", "show", "..", "--output=json")]
    public async Task Should_answer_bad_usage_as_the_JSON_error_with_output_json(params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, .. Nowhere]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal(ExitCodes.BadInput, System.Text.Json.Nodes.JsonNode.Parse(output)!["error"]!["exitCode"]!.GetValue<int>());
        Assert.Equal("invalid", System.Text.Json.Nodes.JsonNode.Parse(output)!["error"]!["kind"]!.GetValue<string>());
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("APMATRIX_VFIOAP_URL", "localhost:5102", "APMATRIX_VFIOAP_URL: localhost:5102 is not an http(s) address")]
    [InlineData("APMATRIX_VFIOAP_URL", "ftp://127.0.0.1:1/", "APMATRIX_VFIOAP_URL: ftp://127.0.0.1:1/ is not an http(s) address")]
    [InlineData("APMATRIX_API_KEY", "k\u00e9y", "APMATRIX_API_KEY does not hold an API key: a key is one line of printable ASCII")]
    public async Task Should_call_a_bad_address_or_key_in_the_environment_bad_input(string variable, string value, string message)
    {
        var before = System.Environment.GetEnvironmentVariable(variable);
        System.Environment.SetEnvironmentVariable(variable, value);
        try
        {
            var (code, _, error) = await RunAsync("host", "show", "h", "--apbus-url", "http://127.0.0.1:1", "--guestvm-url", "http://127.0.0.1:1");

            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
            Assert.Equal($"apctl: {message}", error.TrimEnd());
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(variable, before);
        }
    }

    [Fact]
    public async Task Should_call_a_key_file_of_more_than_one_line_bad_input()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "first-key\nsecond-key\n");
        try
        {
            var (code, _, error) = await RunAsync(["host", "list", "--api-key-file", file, .. Nowhere]);

            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
            Assert.Equal($"apctl: the API key file {file} does not hold an API key: a key is one line of printable ASCII", error.TrimEnd());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_call_a_key_file_that_is_a_directory_bad_input_and_say_so()
    {
        var (code, _, error) = await RunAsync(["host", "list", "--api-key-file", Path.GetTempPath(), .. Nowhere]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.Equal($"apctl: the API key file {Path.GetTempPath()} is a directory", error.TrimEnd());
    }

    [Fact]
    public async Task Should_call_an_mdevctl_file_past_a_mebibyte_bad_input_without_reading_it()
    {
        var file = Path.GetTempFileName();
        await using (var stream = File.OpenWrite(file)) stream.SetLength((1 << 20) + 1);
        try
        {
            var (code, _, error) = await RunAsync(["mdev", "define", "h", "m", "--jsonfile", file, .. Nowhere]);

            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
            Assert.Equal($"apctl: {file} is 1,048,577 bytes: an mdevctl file is at most 1,048,576", error.TrimEnd());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_call_a_run_without_scenario_files_bad_input()
    {
        var empty = Directory.CreateTempSubdirectory("apctl-scenarios-").FullName;
        try
        {
            var (code, output, error) = await RunAsync("scenario", "run", empty);

            Assert.True(code == ExitCodes.BadInput, $"exit {code}: {output}{error}");
            Assert.Equal($"apctl: no scenario file (*.json) in {empty}", error.TrimEnd());
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task Should_name_a_field_the_format_does_not_define_and_still_run()
    {
        var file = Path.Combine(Path.GetTempPath(), $"apctl-scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            {
              "host": { "apm": "4", "aqm": "4", "adm": "4" },
              "mdevs": [ { "name": "m1", "adapters": "4", "domains": "4", "guest": "g1" } ],
              "steps": [ { "op": "detach", "mdev": "m1", "expect_error": "not-found" } ],
              "expect": { "guests": { "g1": { "apm": "", "aqm": "", "adm": "", "updates": 1 } } }
            }
            """);
        try
        {
            var (code, output, error) = await RunAsync("scenario", "run", file);

            Assert.True(code == ExitCodes.Done, $"exit {code}: {output}{error}");
            Assert.Equal($"{file}: $.steps[0].expect_error: not a field of the format, ignored", error.TrimEnd());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_write_a_bash_completion_that_asks_apctl()
    {
        var (code, script, _) = await RunAsync("completion", "bash");
        var (_, suggestions, _) = await RunAsync("[suggest:9]", "apctl mde");

        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("complete -o default -F _apctl_complete apctl", script);
        Assert.Equal("mdev", suggestions.Trim());
    }

    [Theory]
    [InlineData("apctl mde", "mdev")]
    [InlineData("apctl host show l", "")]
    [InlineData("apctl host show --apb", "--apbus-url")]
    [InlineData("apctl host fig", "")]
    [InlineData("apctl host con", "config")]
    public async Task Should_complete_in_bash_without_putting_an_option_in_place_of_a_name(string line, string expected)
    {
        var bin = AppContext.BaseDirectory;
        // bash's completion as a terminal runs it: the script apctl writes, sourced, and its function called on the line.
        using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", """
            source <(apctl completion bash)
            COMP_LINE=$1; COMP_POINT=${#1}; read -ra COMP_WORDS <<<"$1"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            _apctl_complete; printf '%s\n' "${COMPREPLY[@]}"
            """, "bash", line])
        {
            RedirectStandardOutput = true, Environment = { ["PATH"] = $"{bin}:{System.Environment.GetEnvironmentVariable("PATH")}" },
        })!;
        var output = await bash.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await bash.WaitForExitAsync();

        Assert.Equal(expected, output.Trim());
    }
}
