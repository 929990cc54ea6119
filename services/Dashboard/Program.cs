using Apmatrix.Dashboard;
using Apmatrix.Hosting;

return await ServiceRun.RunAsync(() => DashboardApp.Build(args));
