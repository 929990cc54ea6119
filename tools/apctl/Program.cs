using Apmatrix.Apctl.Commands;

return args switch
{
    ["scenario", "run", .. var rest] => await ScenarioCommand.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: apctl scenario run [--stack] FILE|DIR...
          Runs scenario files (a directory means every *.json in it) and prints the result as JSON.
          In-process on the rules engine by default; --stack drives the running services instead.
          Exit status: 0 all expectations met, 1 some unmet (a diff goes to stderr), 2 bad input.
        """);
    return 2;
}
