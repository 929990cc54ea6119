using Apmatrix.Engine;
using Apmatrix.Scenarios;

namespace Apmatrix.Tools.Tests;

/// <summary>A scenario file names its mode only as the API does, though <see cref="HotPlugModes.TryParse"/> forgives more.</summary>
public sealed class ScenarioModeTests
{
    const string File = """{ MODE "host": { "apm": "", "aqm": "", "adm": "" }, "steps": [], "expect": { "guests": {} } }""";

    static Scenario Read(string mode) => ScenarioReader.Read("modes.json", File.Replace("MODE", mode));

    [Theory]
    [InlineData("", HotPlugMode.Batched)]
    [InlineData("\"mode\": \"batched\",", HotPlugMode.Batched)]
    [InlineData("\"mode\": \"per-queue\",", HotPlugMode.PerQueue)]
    public void Should_read_the_mode_by_its_api_name(string mode, HotPlugMode expected)
    {
        Assert.Equal(expected, Read(mode).Mode);
    }

    [Theory]
    [InlineData("perqueue")]
    [InlineData(" per-queue")]
    [InlineData("Batched")]
    public void Should_refuse_any_other_spelling(string mode)
    {
        var error = Assert.Throws<ScenarioFormatException>(() => Read($"\"mode\": \"{mode}\","));

        Assert.Equal("$.mode", error.JsonPath);
        Assert.Equal($"'{mode}' is not a mode (batched or per-queue)", error.Reason);
    }
}
