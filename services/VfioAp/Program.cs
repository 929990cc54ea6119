using Apmatrix.VfioAp;

await VfioApApp.Build(args).RunAsync();
