using Apmatrix.GuestVm;
using Apmatrix.Hosting;

return await ServiceRun.RunAsync(() => GuestVmApp.Build(args));
