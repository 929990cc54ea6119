using Apmatrix.Apctl.Cli;

return await ApctlCli.RunAsync(args, Io.Console);
