using System.Net;
using Apmatrix.ApBus;
using Microsoft.Extensions.Configuration;

namespace Apmatrix.Integration.Tests.ApBus;

[Collection("stack")]
public class A_mask_change_vfio_ap_cannot_judge(StackFixture stack)
{
    [Fact]
    public async Task Should_be_refused_as_unavailable_and_change_nothing()
    {
        // Port 1 on loopback refuses at once: VfioAp cannot be asked for its veto.
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", "noveto", builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Services:VfioAp"] = "http://127.0.0.1:1/" }));
        try
        {
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), BusEvents.NewHost());
            Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4", aqm = "4", adm = "" })));

            Assert.Equal("unavailable", await BusApi.ProblemKindAsync(bus.MasksAsync("4", "4"), HttpStatusCode.ServiceUnavailable));

            var shown = await bus.GetAsync();
            Assert.Equal("", shown.GetProperty("masks").GetProperty("apmask").GetString());
            Assert.Equal(3, shown.GetProperty("lastSequence").GetInt64());
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }
}
