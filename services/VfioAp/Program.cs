using Apmatrix.VfioAp;
using Apmatrix.Hosting;

return await ServiceRun.RunAsync(() => VfioApApp.Build(args));
