using Apmatrix.ApBus;
using Apmatrix.Hosting;

return await ServiceRun.RunAsync(() => ApBusApp.Build(args));
