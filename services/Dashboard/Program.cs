using Apmatrix.Dashboard;

await DashboardApp.Build(args).RunAsync();
