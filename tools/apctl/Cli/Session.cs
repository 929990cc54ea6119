using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apmatrix.Apctl.Cli;

/// <summary>
/// One command's run: the services it calls (flags, else <c>APMATRIX_*_URL</c>, else the local defaults), its API key
/// (<c>--api-key-file</c>, else <c>APMATRIX_API_KEY</c>) and where it writes, as text for people or JSON for scripts.
/// </summary>
public sealed class Session(Globals globals, TextWriter output, TextWriter error) : IDisposable
{
    /// <summary>How apctl writes JSON: indented, and apostrophes and the like as themselves (it goes to a terminal or a file, never into HTML).</summary>
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    ServiceClient? _apBus, _vfioAp, _guestVm;
    string? _apiKey;

    public TextWriter Out => output;
    public TextWriter Error => error;
    public bool Json => globals.Json;

    public ServiceClient ApBus => _apBus ??= new("ApBus", globals.ApBus, ApiKey, error);
    public ServiceClient VfioAp => _vfioAp ??= new("VfioAp", globals.VfioAp, ApiKey, error);
    public ServiceClient GuestVm => _guestVm ??= new("GuestVm", globals.GuestVm, ApiKey, error);

    /// <summary>The services as the scenario runner's stack target takes them.</summary>
    public Scenarios.Stack.StackEndpoints Endpoints => new(globals.ApBus, globals.VfioAp, globals.GuestVm, ApiKey);

    public string? ApiKey => _apiKey ??= globals.ApiKeyFile is { } file ? Checked(ReadKey(file), $"the API key file {file}")
        : Environment.GetEnvironmentVariable("APMATRIX_API_KEY") is { Length: > 0 } key ? Checked(key, "APMATRIX_API_KEY") : null;

    static string ReadKey(string file)
    {
        if (Directory.Exists(file)) throw new ApctlException(ExitCodes.BadInput, $"the API key file {file} is a directory");
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApctlException(ExitCodes.BadInput, $"cannot read the API key file {file}: {e.Message}");
        }
    }

    /// <summary>A key goes into an HTTP header as it is: one line of printable ASCII, else bad input; never echoed, it is a secret.</summary>
    static string Checked(string key, string source) => key.Length > 0 && key.All(c => c is >= ' ' and <= '~')
        ? key
        : throw new ApctlException(ExitCodes.BadInput, $"{source} does not hold an API key: a key is one line of printable ASCII");

    /// <summary>The result: <paramref name="json"/> as JSON, or <paramref name="text"/> for a person.</summary>
    public void Write(JsonNode? json, Action<TextWriter> text)
    {
        if (Json) output.WriteLine(json?.ToJsonString(Indented) ?? "null");
        else text(output);
    }

    /// <summary>A refusal or failure: the problem (or the message) as JSON on stdout for scripts, as text on stderr for people.</summary>
    public static int Fail(ApctlException failure, bool json, TextWriter output, TextWriter error)
    {
        if (json)
        {
            var problem = failure.Problem?.DeepClone().AsObject() ?? new JsonObject();
            // A failure apctl met itself has a kind too, from its exit code, so every error reads the same way.
            problem["kind"] ??= failure.ExitCode switch { ExitCodes.BadInput => "invalid", ExitCodes.Unavailable => "unavailable", _ => "refused" };
            problem["message"] = failure.Message;
            problem["exitCode"] = failure.ExitCode;
            output.WriteLine(new JsonObject { ["error"] = problem }.ToJsonString(Indented));
        }
        else
        {
            error.WriteLine($"apctl: {failure.Message}");
            foreach (var (name, label) in Owners)
                if (failure.Problem?[name]?.GetValue<string>() is { } value) error.WriteLine($"  {label}: {value}");
        }
        return failure.ExitCode;
    }

    // The fields VfioAp adds to a refusal that name what holds the APQN.
    static readonly (string Name, string Label)[] Owners = [("apqn", "APQN"), ("mdev", "held by mdev"), ("reservedBy", "reserved by")];

    public void Dispose()
    {
        _apBus?.Dispose();
        _vfioAp?.Dispose();
        _guestVm?.Dispose();
    }
}

/// <summary>The options every command takes.</summary>
public sealed record Globals(bool Json, Uri ApBus, Uri VfioAp, Uri GuestVm, string? ApiKeyFile);
