using Apmatrix.Scenarios;
using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Engine.Tests;

public class ScenarioFileTests
{
    static readonly string Root = Path.Combine(AppContext.BaseDirectory, "scenarios");

    static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> ScenarioFiles => new(Files());

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public async Task Scenario_passes_in_process(string file)
    {
        var scenario = ScenarioReader.ReadFile(Path.Combine(Root, file));
        await using var target = new InProcessTarget();

        var result = await ScenarioRunner.RunAsync(scenario, target);

        Assert.True(result.Passed, $"{file} ({scenario.Name}):\n{string.Join("\n", result.Failures)}");
    }

    /// <summary>The same files on a second, separately written reading of the spec (<see cref="Model.SpecModel"/>).</summary>
    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public async Task Scenario_passes_on_the_spec_model(string file)
    {
        var scenario = ScenarioReader.ReadFile(Path.Combine(Root, file));
        await using var target = new Model.SpecModelTarget();

        var result = await ScenarioRunner.RunAsync(scenario, target);

        Assert.True(result.Passed, $"{file} ({scenario.Name}):\n{string.Join("\n", result.Failures)}");
    }

    [Fact]
    public async Task A_guest_named_by_a_refused_attach_is_reported_empty_as_the_stack_reports_it()
    {
        var scenario = Read(Minimal.Replace("STEP", """{ "op": "attach", "mdev": "m1", "guest": "g2", "expectError": "not-permitted" }"""));
        await using var target = new InProcessTarget();

        var result = await ScenarioRunner.RunAsync(scenario, target);

        Assert.Equal(new GuestOutcome(ApMatrix.Empty, 0), result.Outcome!.Guests["g2"]);
    }

    [Fact]
    public async Task A_configuration_above_the_host_s_maxima_is_out_of_range_and_changes_nothing()
    {
        var scenario = Read(Minimal.Replace("\"adm\": \"4\" },", "\"adm\": \"4\", \"maxAdapter\": 63, \"maxDomain\": 15 },")
            .Replace("STEP", """{ "op": "config", "apm": "4-5,64", "aqm": "4-5", "adm": "4", "expectError": "out-of-range" }""")
            .Replace("\"apm\": \"4-5\", \"aqm\": \"4\", \"adm\": \"4\", \"updates\": 1", "\"apm\": \"4\", \"aqm\": \"4\", \"adm\": \"4\", \"updates\": 0"));
        await using var target = new InProcessTarget();

        var result = await ScenarioRunner.RunAsync(scenario, target);

        Assert.True(result.Passed, string.Join("\n", result.Failures));
        Assert.Equal(new GuestOutcome(new ApMatrix(Bitmap256.Of(4), Bitmap256.Of(4), Bitmap256.Of(4)), 0), result.Outcome!.Guests["g1"]);
    }

    [Fact]
    public void A_host_above_its_own_maxima_is_a_format_error()
    {
        var fault = Fault(Minimal.Replace("\"adm\": \"4\" },", "\"adm\": \"4\", \"maxDomain\": 4 },").Replace("STEP", ConfigStep));

        Assert.Contains("$.host.aqm", fault.Message);
        Assert.Contains("domain 5 is above the host's maximum domain 4", fault.Message);
    }

    [Fact]
    public void Every_scenario_file_is_in_the_test_output()
    {
        var files = Files().ToList();

        Assert.Contains(files, f => !f.StartsWith("random/", StringComparison.Ordinal));
        Assert.True(files.Count(f => f.StartsWith("random/", StringComparison.Ordinal)) >= 60, "the README promises 60 random cases");
    }

    const string Minimal = """
        {
          "name": "minimal",
          "host": { "apm": "4", "aqm": "4-5", "adm": "4" },
          "mdevs": [ { "name": "m1", "adapters": "4-5", "domains": "4", "controlDomains": "4", "guest": "g1" } ],
          "steps": [ STEP ],
          "expect": { "guests": { "g1": { "apm": "4-5", "aqm": "4", "adm": "4", "updates": 1 } } }
        }
        """;

    const string ConfigStep = """{ "op": "config", "apm": "4-5", "aqm": "4-5", "adm": "4" }""";

    static Scenario Read(string json) => ScenarioReader.Read("test.json", json);

    static ScenarioFormatException Fault(string json) => Assert.Throws<ScenarioFormatException>(() => Read(json));

    [Fact]
    public void The_readme_example_reads_as_written()
    {
        var scenario = Read(Minimal.Replace("STEP", ConfigStep));

        Assert.Equal("minimal", scenario.Name);
        Assert.Equal(HotPlugMode.Batched, scenario.Mode);
        Assert.Equal(new ApConfig(Bitmap256.Of(4), Bitmap256.Of(4, 5), Bitmap256.Of(4)), scenario.Host);
        Assert.Equal(ApPermissions.None, scenario.Permissions);
        var mdev = Assert.Single(scenario.Mdevs);
        Assert.Equal(new ScenarioMdev("m1", Bitmap256.Of(4, 5), Bitmap256.Of(4), Bitmap256.Of(4), "g1"), mdev);
        var step = Assert.Single(scenario.Steps);
        Assert.Equal(StepOp.Config, step.Op);
        Assert.Equal(new ApMatrix(Bitmap256.Of(4, 5), Bitmap256.Of(4, 5), Bitmap256.Of(4)), step.Config);
        Assert.Equal(new GuestExpectation(Bitmap256.Of(4, 5), Bitmap256.Of(4), Bitmap256.Of(4), 1), scenario.Expect["g1"]);
    }

    [Fact]
    public void A_file_that_is_not_JSON_is_named_where_it_goes_wrong_counted_from_one()
    {
        var fault = Fault("{\n  \"name\": x }");

        Assert.Equal("test.json: line 2, byte 11: not valid JSON: 'x' is an invalid start of a value.", fault.Message);
    }

    [Fact]
    public void Fields_the_format_does_not_define_are_passed_over_and_named()
    {
        var scenario = Read(Minimal.Replace("\"name\": \"m1\"", "\"name\": \"m1\", \"adapter\": \"6\"")
            .Replace("STEP", """{ "op": "detach", "mdev": "m1", "expectErorr": "not-found", "apm": "4" }""")
            .Replace("\"updates\": 1", "\"updates\": 1, \"upd\": 2"));

        Assert.Equal(["$.mdevs[0].adapter", "$.steps[0].expectErorr", "$.steps[0].apm", "$.expect.guests.g1.upd"], scenario.Ignored);
        Assert.Null(Assert.Single(scenario.Steps).ExpectError);
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void The_shared_scenarios_use_only_the_format_s_fields(string file)
    {
        Assert.Empty(ScenarioReader.ReadFile(Path.Combine(Root, file)).Ignored);
    }

    [Theory]
    [InlineData("""{ "op": "assign-adapter", "mdev": "m1", "id": 5 }""", "5")]
    [InlineData("""{ "op": "assign-adapter", "mdev": "m1", "id": "0x5" }""", "0x5")]
    [InlineData("""{ "op": "assign-adapter", "mdev": "m1", "id": "05" }""", "05")]
    public void Step_ids_keep_the_text_written_to_sysfs(string step, string id)
    {
        Assert.Equal(id, Read(Minimal.Replace("STEP", step)).Steps[0].Id);
    }

    [Fact]
    public void Probe_and_remove_read_sysfs_queue_names_and_expected_errors_their_kind()
    {
        var scenario = Read(Minimal.Replace("STEP", """
            { "op": "probe", "apqn": "05.0004" },
            { "op": "set-masks", "apmask": "4", "aqmask": "4", "expectError": "busy" }
            """));

        Assert.Equal(new Apqn(5, 4), scenario.Steps[0].Apqn);
        Assert.Equal(new ApPermissions(Bitmap256.Of(4), Bitmap256.Of(4)), scenario.Steps[1].Masks);
        Assert.Equal(MatrixErrorKind.Busy, scenario.Steps[1].ExpectError);
    }

    [Theory]
    [InlineData("""{ "op": "probe", "apqn": "5-4" }""", "$.steps[1].apqn")]
    [InlineData("""{ "op": "remove", "apqn": "05.0100" }""", "$.steps[1].apqn")]
    [InlineData("""{ "op": "reboot" }""", "$.steps[1].op")]
    [InlineData("""{ "apqn": "05.0004" }""", "$.steps[1]")]
    [InlineData("""{ "op": "config", "apm": "4-5", "aqm": "x", "adm": "4" }""", "$.steps[1].aqm")]
    [InlineData("""{ "op": "config", "apm": "4-5", "adm": "4" }""", "$.steps[1]")]
    [InlineData("""{ "op": "assign-adapter", "mdev": "m1", "id": true }""", "$.steps[1].id")]
    [InlineData("""{ "op": "assign-adapter", "mdev": "m1" }""", "$.steps[1]")]
    [InlineData("""{ "op": "detach", "mdev": 1 }""", "$.steps[1].mdev")]
    [InlineData("""{ "op": "detach", "mdev": "m1", "expectError": "oops" }""", "$.steps[1].expectError")]
    [InlineData("42", "$.steps[1]")]
    public void A_bad_step_is_named_by_its_json_path(string step, string path)
    {
        var error = Fault(Minimal.Replace("STEP", ConfigStep + ", " + step));

        Assert.Equal(path, error.JsonPath);
        Assert.Equal("test.json", error.File);
    }

    [Theory]
    [InlineData("\"apm\": \"4\"", "\"apm\": \"4-x\"", "$.host.apm")]
    [InlineData("\"apm\": \"4\"", "\"apm\": \"256\"", "$.host.apm")]
    [InlineData("\"adm\": \"4\" }", "\"adm\": \"4\", \"maxAdapter\": 256 }", "$.host.maxAdapter")]
    [InlineData("\"adm\": \"4\" }", "\"adm\": \"4\", \"apmask\": 4 }", "$.host.apmask")]
    [InlineData("\"name\": \"minimal\",", "\"name\": \"minimal\", \"mode\": \"lazy\",", "$.mode")]
    [InlineData("\"updates\": 1", "\"updates\": -1", "$.expect.guests.g1.updates")]
    [InlineData("\"updates\": 1", "\"updates\": 1.5", "$.expect.guests.g1.updates")]
    [InlineData("\"adapters\": \"4-5\"", "\"adapters\": \"5-4\"", "$.mdevs[0].adapters")]
    [InlineData("\"name\": \"m1\",", "", "$.mdevs[0]")]
    [InlineData("\"steps\": [", "\"stages\": [", "$")]
    [InlineData("\"mdevs\": [", "\"mdevs\": {}, \"x\": [", "$.mdevs")]
    public void A_bad_field_is_named_by_its_json_path(string find, string replace, string path)
    {
        var json = Minimal.Replace("STEP", ConfigStep);
        Assert.Contains(find, json);

        var error = Fault(json.Replace(find, replace));

        Assert.Equal(path, error.JsonPath);
    }

    [Fact]
    public void A_missing_host_is_reported_at_the_root()
    {
        var json = Minimal.Replace("STEP", ConfigStep).Replace("\"host\": { \"apm\": \"4\", \"aqm\": \"4-5\", \"adm\": \"4\" },", "");

        var error = Fault(json);

        Assert.Equal("$", error.JsonPath);
        Assert.Contains("host", error.Reason);
    }

    [Fact]
    public void Two_mdevs_of_one_name_are_refused()
    {
        var json = Minimal.Replace("STEP", ConfigStep).Replace("\"mdevs\": [ {", "\"mdevs\": [ { \"name\": \"m1\" }, {");

        Assert.Equal("$.mdevs", Fault(json).JsonPath);
    }

    [Fact]
    public void Text_that_is_no_json_is_reported_with_its_line()
    {
        var error = Fault("{\n  \"name\": \"broken\",\n  \"host\": {\n}");

        Assert.StartsWith("line ", error.JsonPath);
    }

    [Fact]
    public void A_missing_file_is_a_format_error_not_a_crash()
    {
        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.ReadFile(Path.Combine(Root, "no-such-file.json")));

        Assert.Equal("$", error.JsonPath);
    }
}
