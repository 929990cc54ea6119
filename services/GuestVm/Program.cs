using Apmatrix.GuestVm;

await GuestVmApp.Build(args).RunAsync();
