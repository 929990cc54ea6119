using System.Net;
using Apmatrix.Scenarios.Stack;
using Apmatrix.VfioAp;
using Microsoft.Extensions.Configuration;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// Two VfioAp instances on one database, as a fleet runs them: each keeps the hosts it changed in memory
/// (HostStateCache), and what the other committed since must still decide its next change.
/// </summary>
[Collection("stack")]
public class Two_instances_changing_one_host(StackFixture stack)
{
    [Fact]
    public async Task Should_each_decide_on_what_the_other_committed()
    {
        var twin = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "twin", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = stack.Database("vfioap") }));
        try
        {
            var host = VfioApi.NewHost();
            using var first = new VfioApi(stack.Client(stack.VfioAp), host);
            using var second = new VfioApi(stack.Client(new Uri(twin.Urls.First())), host);
            await VfioApi.SucceedsAsync(first.DefineAsync("batched"));
            await VfioApi.SucceedsAsync(first.CreateMdevAsync("m1"));
            await VfioApi.SucceedsAsync(first.CreateMdevAsync("m2"));
            await VfioApi.SucceedsAsync(first.AdminAsync("m2", "assign-adapter", 1));

            // The second instance gives m1 the APQN 01.0001: the first must refuse it to m2 now.
            await VfioApi.SucceedsAsync(second.AdminAsync("m1", "assign-adapter", 1));
            await VfioApi.SucceedsAsync(second.AdminAsync("m1", "assign-domain", 1));
            Assert.Equal("in-use", await VfioApi.ProblemKindAsync(first.AdminAsync("m2", "assign-domain", 1), HttpStatusCode.Conflict));

            // The first removes m1: the second must find it gone and 01.0001 free.
            await VfioApi.SucceedsAsync(first.RemoveMdevAsync("m1"));
            Assert.Equal("not-found", await VfioApi.ProblemKindAsync(second.AdminAsync("m1", "assign-domain", 2), HttpStatusCode.NotFound));
            await VfioApi.SucceedsAsync(second.AdminAsync("m2", "assign-domain", 1));
            Assert.Equal("01.0001", (await first.SysfsAsync("m2", "matrix")).Trim());
        }
        finally
        {
            await twin.ShutDownAsync();
        }
    }

    /// <summary>
    /// Lane members are counted per lane set, not per database: the twin consumes lanes of its own queue prefix, so it and
    /// the stack's VfioAp each keep all sixteen of theirs; counted together, each would take eight and re-subscribe the rest.
    /// </summary>
    [Fact]
    public async Task Should_not_count_an_instance_of_other_lanes_on_the_same_database_as_a_lane_member()
    {
        const string LanesOwned = "apmatrix_vfioap_lanes_owned";
        var twin = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "lane-twin", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = stack.Database("vfioap") }));
        try
        {
            using var own = stack.Client(stack.VfioAp);
            using var twins = stack.Client(new Uri(twin.Urls.First()));
            // The twin's first share, taken once it is a member and has read the members (within a few 2 s polls).
            var twinOwned = await Eventually.ReadAsync(() => MetricText.SumAsync(twins, LanesOwned), owned => owned > 0, "the twin to take its share");

            Assert.Equal(16, twinOwned);
            Assert.Equal(16, await MetricText.SumAsync(own, LanesOwned));
        }
        finally
        {
            await twin.ShutDownAsync();
        }
    }
}
