using Apmatrix.Apctl.Commands;

try
{
    return args switch
    {
        ["scenario", "run", .. var rest] => await ScenarioCommand.RunAsync(rest),
        _ => Usage(),
    };
}
catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"apctl: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: apctl scenario run [--stack [--api-key-file FILE] [--form grouped|per-queue]] FILE|DIR...
          Runs scenario files (a directory means every *.json in it) and prints the result as JSON.
          In-process on the rules engine by default; --stack drives the running services instead
          (APMATRIX_APBUS_URL, APMATRIX_VFIOAP_URL, APMATRIX_GUESTVM_URL; default 127.0.0.1:5101-5103)
          with an operator's API key: the file's content, else APMATRIX_API_KEY. --form: how ApBus sends
          the scenario host's bus events, a run of one adapter's probes or removals as one message
          (grouped, the default) or one message per queue (per-queue); the outcome is the same.
          Exit status: 0 all expectations met, 1 some unmet (a diff goes to stderr), 2 bad input or no stack.
        """);
    return 2;
}
