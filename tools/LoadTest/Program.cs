// The load test of the stack: see LoadOptions.Usage, scripts/load.sh and the README.
using Apmatrix.LoadTest;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

try
{
    return await LoadCommand.RunAsync(options, Repository.Root(), Console.Error);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
