using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Text.Json.Nodes;
using Apmatrix.Apctl.Commands;

namespace Apmatrix.Apctl.Cli;

/// <summary>apctl's command tree: global options, every verb, and the exit codes of <see cref="ExitCodes"/>.</summary>
public static class ApctlCli
{
    public static readonly Option<string> Output = new Option<string>("--output", "-o")
    {
        Description = "text for people, json for scripts",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    }.AcceptOnlyFromAmong("text", "json");

    static readonly Option<Uri?> ApBusUrl = UrlOption("--apbus-url", "ApBus's address (else APMATRIX_APBUS_URL, else http://127.0.0.1:5101)");
    static readonly Option<Uri?> VfioApUrl = UrlOption("--vfioap-url", "VfioAp's address (else APMATRIX_VFIOAP_URL, else http://127.0.0.1:5102)");
    static readonly Option<Uri?> GuestVmUrl = UrlOption("--guestvm-url", "GuestVm's address (else APMATRIX_GUESTVM_URL, else http://127.0.0.1:5103)");

    static Option<Uri?> UrlOption(string name, string description) => new(name)
    {
        Description = description,
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (HttpAddress(text) is { } url) return url;
            result.AddError($"{name}: {text} is not an http(s) address");
            return null;
        },
    };
    static readonly Option<string?> ApiKeyFile = new("--api-key-file") { Description = "a file holding the API key (else APMATRIX_API_KEY)", Recursive = true };

    public static RootCommand Build(Io io)
    {
        var root = new RootCommand("apctl: the operator's tool for apmatrix: hosts, AP queues, mdevs, guests, dead letters and scenarios")
        {
            Options = { Output, ApBusUrl, VfioApUrl, GuestVmUrl, ApiKeyFile },
        };
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        root.Options.Add(VersionFlag(io));
        foreach (var command in new[] { HostCommands.Build(io), ApCommands.Build(io), MdevCommands.Build(io), GuestCommands.Build(io), ErrorCommands.Build(io),
                     ScenarioCommand.Build(io), CompletionCommand.Build(io) })
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>
    /// apctl's own <c>--version</c>, which may stand beside <c>--output</c> (System.CommandLine's refuses any company), so
    /// <c>-o json --version</c> answers <c>{"version": ...}</c> as a script expects.
    /// </summary>
    static Option<bool> VersionFlag(Io io)
    {
        var flag = new Option<bool>("--version") { Description = "apctl's version", Arity = ArgumentArity.Zero };
        flag.Validators.Add(result =>
        {
            if (!result.Implicit && result.Parent is CommandResult { Children: var others }
                && others.Any(o => o is not OptionResult { Option: var option } || option != flag && option != Output && option is not HelpOption))
                result.AddError("--version takes no other arguments but --output");
        });
        flag.Action = new ShowVersion(io);
        return flag;
    }

    sealed class ShowVersion(Io io) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parse)
        {
            var version = typeof(ApctlCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            io.Out.WriteLine(Json(parse) ? new JsonObject { ["version"] = version }.ToJsonString(Session.Indented) : version);
            return ExitCodes.Done;
        }
    }

    /// <summary>
    /// What is wrong with the command line. A group of verbs given none, or a word that is none of them, gets a line
    /// naming its verbs instead of System.CommandLine's two (a command missing, an argument not recognised); errors
    /// elsewhere on the line keep their own words.
    /// </summary>
    static List<string> UsageErrors(ParseResult parse)
    {
        var (result, command) = (parse.CommandResult, parse.CommandResult.Command);
        var errors = parse.Errors.Select(e => e.Message);
        if (command is { Subcommands.Count: > 0, Action: null })
        {
            var (name, verbs) = (string.Join(' ', ["apctl", .. Path(result)]), string.Join(", ", command.Subcommands.Select(c => c.Name)));
            var word = parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
            errors = [word is null ? $"{name} needs a verb: {verbs}" : $"{name} has no verb '{word}'; its verbs: {verbs}",
                .. parse.UnmatchedTokens.Where(t => t.StartsWith('-')).Select(t => $"{name} has no option '{t}'"),
                .. parse.Errors.Where(e => e.SymbolResult != result).Select(e => e.Message)];
        }
        return errors.Distinct().ToList();
    }

    static List<string> Path(CommandResult command)
    {
        var names = new List<string>();
        for (var result = command; result.Parent is CommandResult parent; result = parent) names.Insert(0, result.Command.Name);
        return names;
    }

    /// <summary>The help of the verb the line got as far as: <c>apctl mdev define --help</c>, or apctl's own.</summary>
    static string HelpOf(CommandResult command) => string.Join(' ', ["apctl", .. Path(command), "--help"]);

    /// <summary>Parses and runs; a command line that does not parse is bad usage (2), not System.CommandLine's default 1.</summary>
    public static async Task<int> RunAsync(string[] args, Io io, CancellationToken cancellationToken = default)
    {
        var parse = Build(io).Parse(args);
        if (parse.Errors.Count > 0)
        {
            var errors = UsageErrors(parse);
            if (Json(parse))
                return Session.Fail(new ApctlException(ExitCodes.BadInput, string.Join("; ", errors)), true, io.Out, io.Error);
            foreach (var error in errors) await io.Error.WriteLineAsync($"apctl: {error}");
            await io.Error.WriteLineAsync($"see: {HelpOf(parse.CommandResult)}");
            return ExitCodes.BadInput;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Error, EnableDefaultExceptionHandler = false },
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not 1: a script must not read a failure of apctl's own as the rules refusing; one line, as every error, no stack trace.
            return Session.Fail(new ApctlException(ExitCodes.Unavailable, $"failed: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"), Json(parse),
                io.Out, io.Error);
        }
    }

    /// <summary>Whether errors go out as JSON: read from the parse even when it failed, so bad usage honours <c>-o json</c> too.</summary>
    static bool Json(ParseResult parse) => parse.GetResult(Output)?.Tokens is [.., { Value: "json" }];

    static Globals GlobalsOf(ParseResult parse) => new(Json(parse),
        Url(parse.GetValue(ApBusUrl), "APMATRIX_APBUS_URL", "http://127.0.0.1:5101"),
        Url(parse.GetValue(VfioApUrl), "APMATRIX_VFIOAP_URL", "http://127.0.0.1:5102"),
        Url(parse.GetValue(GuestVmUrl), "APMATRIX_GUESTVM_URL", "http://127.0.0.1:5103"),
        parse.GetValue(ApiKeyFile));

    static Uri Url(Uri? flag, string variable, string fallback)
    {
        if (flag is not null) return flag;
        var text = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url ? url : fallback;
        return HttpAddress(text) ?? throw new ApctlException(ExitCodes.BadInput, $"{variable}: {text} is not an http(s) address");
    }

    /// <summary>An absolute http or https address; anything else (<c>localhost:5102</c> reads as scheme <c>localhost</c>) is null.</summary>
    static Uri? HttpAddress(string text) => Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;

    /// <summary>Runs <paramref name="action"/> in a <see cref="Session"/>; a refusal or failure becomes its exit code.</summary>
    public static Command Does(this Command command, Io io, Func<ParseResult, Session, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var session = new Session(GlobalsOf(parse), io.Out, io.Error);
                return await action(parse, session, cancellationToken);
            }
            catch (ApctlException failure)
            {
                return Session.Fail(failure, Json(parse), io.Out, io.Error);
            }
        });
        return command;
    }

    public static Command Does(this Command command, Io io, Func<ParseResult, Session, CancellationToken, Task> action) =>
        command.Does(io, async (parse, session, cancellationToken) =>
        {
            await action(parse, session, cancellationToken);
            return ExitCodes.Done;
        });
}

/// <summary>Where apctl writes: the console, or a test's writers. <see cref="Terminal"/>: a person watches, so progress may redraw a line.</summary>
public sealed record Io(TextWriter Out, TextWriter Error, bool Terminal)
{
    public static Io Console => new(System.Console.Out, System.Console.Error, !System.Console.IsOutputRedirected);
}
