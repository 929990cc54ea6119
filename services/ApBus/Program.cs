using Apmatrix.ApBus;

await ApBusApp.Build(args).RunAsync();
