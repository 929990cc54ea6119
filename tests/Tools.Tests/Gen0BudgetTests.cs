using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The gen0 budget reaches the services only through the environment: every launcher must give the same one.</summary>
public sealed class Gen0BudgetTests
{
    [Theory]
    [InlineData("services/ApBus/Dockerfile", "ENV DOTNET_GCgen0size=")]
    [InlineData("services/VfioAp/Dockerfile", "ENV DOTNET_GCgen0size=")]
    [InlineData("services/GuestVm/Dockerfile", "ENV DOTNET_GCgen0size=")]
    [InlineData("scripts/demo.sh", "export DOTNET_GCgen0size=")]
    public void Should_give_the_services_the_load_tool_s_gen0_budget(string launcher, string setting)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root(), launcher)).Where(l => l.StartsWith(setting, StringComparison.Ordinal)).ToList();

        Assert.Equal(setting + ChildStack.Gen0Budget, Assert.Single(lines));
    }
}
