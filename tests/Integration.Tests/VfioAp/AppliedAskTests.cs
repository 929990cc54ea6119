using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.ApBus;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>ApBus asks VfioAp how far it applied every host it holds back in one request.</summary>
[Collection("stack")]
public class Asking_how_far_hosts_are_applied(StackFixture stack)
{
    [Fact]
    public async Task Should_answer_for_each_host_named_once_with_nothing_for_one_not_seen_and_refuse_a_bad_ask()
    {
        var (known, unseen) = (BusEvents.NewHost(), BusEvents.NewHost());
        using var bus = new BusApi(stack.Client(stack.ApBus), known);
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), known);
        var last = await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "0", aqm = "0", adm = "" }));
        await vfio.UntilAppliedAsync(last);
        using var asApBus = stack.Client(stack.VfioAp, stack.Keys.ApBus);

        var answers = await asApBus.GetFromJsonAsync<JsonElement>($"/applied?host={known}&host={unseen}&host={known}");

        Assert.Equal([(known, last), (unseen, 0L)],
            answers.EnumerateArray().Select(a => (a.GetProperty("host").GetString(), a.GetProperty("lastSequence").GetInt64())));
        var tooMany = string.Join('&', Enumerable.Range(0, AppliedAsks.MaxHosts + 1).Select(i => $"host=h{i}"));
        foreach (var ask in new[] { "/applied", "/applied?host=-dash", $"/applied?{tooMany}" })
            Assert.Equal(["host"], await VfioApi.InvalidFieldsAsync(asApBus.GetAsync(ask)));
    }
}
