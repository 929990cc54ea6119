using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Apmatrix.Integration.Tests.VfioAp;

[Collection("stack")]
public class Administering_mdevs(StackFixture stack)
{
    [Fact]
    public async Task Should_bound_an_mdev_made_before_its_host_s_bus_by_the_bus_s_maxima()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await VfioApi.SucceedsAsync(api.CreateMdevAsync("m1"));
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "assign-adapter", 200));

        using var bus = new ApBus.BusApi(stack.Client(stack.ApBus), host);
        await VfioApi.SucceedsAsync(bus.DefineAsync(new { apm = "0-3", aqm = "0-3", adm = "0-3", maxAdapter = 15, maxDomain = 15 }));
        await api.UntilAsync(h => h.GetProperty("config").GetProperty("maxAdapter").GetInt32() == 15, "VfioAp to learn the bus's maxima");

        Assert.Equal("out-of-range", await VfioApi.ProblemKindAsync(api.AdminAsync("m1", "assign-adapter", 100), HttpStatusCode.BadRequest));
        Assert.Equal("out-of-range", await VfioApi.ProblemKindAsync(api.AdminAsync("m1", "assign-domain", 16), HttpStatusCode.BadRequest));
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "assign-adapter", 3));
    }

    [Fact]
    public async Task Should_refuse_with_the_engine_s_kind()
    {
        using var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(api.CreateMdevAsync("m1"), HttpStatusCode.NotFound));
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await api.MdevAsync("m1", [4], [4], guest: "g1");
        await VfioApi.SucceedsAsync(api.CreateMdevAsync("m2"));
        Assert.Equal("exists", await VfioApi.ProblemKindAsync(api.CreateMdevAsync("m2"), HttpStatusCode.Conflict));

        Assert.Equal("out-of-range", await VfioApi.ProblemKindAsync(api.AdminAsync("m2", "assign-adapter", 256), HttpStatusCode.BadRequest));
        Assert.Equal("out-of-range", await VfioApi.ProblemKindAsync(api.AdminAsync("m2", "assign-adapter", "0x100"), HttpStatusCode.BadRequest));
        Assert.Equal("invalid", await VfioApi.ProblemKindAsync(api.AdminAsync("m2", "assign-domain", "four"), HttpStatusCode.BadRequest));
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(api.AdminAsync("m9", "assign-domain", 4), HttpStatusCode.NotFound));
        await VfioApi.SucceedsAsync(api.AdminAsync("m2", "assign-adapter", "04"));
        Assert.Equal("in-use", await VfioApi.ProblemKindAsync(api.AdminAsync("m2", "assign-domain", 4), HttpStatusCode.Conflict));
        Assert.Equal("not-permitted", await VfioApi.ProblemKindAsync(api.AttachAsync("m2", "g1"), HttpStatusCode.Conflict));
        Assert.Equal("busy", await VfioApi.ProblemKindAsync(api.RemoveMdevAsync("m1"), HttpStatusCode.Conflict));
        Assert.Equal("busy", await VfioApi.ProblemKindAsync(api.MaskCheckAsync("4", "4"), HttpStatusCode.Conflict));
        Assert.Equal(HttpStatusCode.NoContent, (await api.MaskCheckAsync("4", "5")).StatusCode);
        Assert.Equal("busy", await VfioApi.ProblemKindAsync(api.DefineAsync("per-queue"), HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Should_keep_the_host_s_mode_when_a_definition_leaves_it_out()
    {
        using var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        using var http = stack.Client(stack.VfioAp);
        async Task<string> ModeAsync(object body)
        {
            using var answer = await http.PutAsJsonAsync(api.Host, body);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
            return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mode").GetString()!;
        }

        Assert.Equal("batched", await ModeAsync(new { }));
        Assert.Equal("per-queue", await ModeAsync(new { mode = "per-queue" }));
        await VfioApi.SucceedsAsync(api.CreateMdevAsync("m1"));
        Assert.Equal("per-queue", await ModeAsync(new { }));
        Assert.Equal("busy", await VfioApi.ProblemKindAsync(api.DefineAsync("batched"), HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Should_name_the_field_of_a_bad_request()
    {
        using var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await VfioApi.SucceedsAsync(api.CreateMdevAsync("m1"));

        Assert.Equal(["id"], await VfioApi.InvalidFieldsAsync(api.AdminAsync("m1", "assign-adapter", null)));
        Assert.Equal(["id"], await VfioApi.InvalidFieldsAsync(api.AdminAsync("m1", "assign-adapter", true)));
        // As the kernel reads a write only to an mdev that exists, and as the engine in-process does.
        Assert.Equal("invalid", await VfioApi.ProblemKindAsync(api.AdminAsync("m1", "assign-adapter", "zz"), HttpStatusCode.BadRequest));
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(api.AdminAsync("nosuch", "assign-adapter", "zz"), HttpStatusCode.NotFound));
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(api.AdminAsync("nosuch", "unassign-domain", 300), HttpStatusCode.NotFound));
        // A lone surrogate is valid JSON but no text: the id is refused, not a 500.
        using var http = stack.Client(stack.VfioAp);
        Assert.Equal(["id"], await VfioApi.InvalidFieldsAsync(http.PostAsync($"{api.Host}/mdevs/m1/unassign-control-domain",
            new StringContent("{\"id\":\"\\ud800\"}", System.Text.Encoding.UTF8, "application/json"))));
        Assert.Equal(["name"], await VfioApi.InvalidFieldsAsync(api.CreateMdevAsync(" ")));
        Assert.Equal(["guest"], await VfioApi.InvalidFieldsAsync(api.AttachAsync("m1", "")));
        Assert.Equal(["apmask"], await VfioApi.InvalidFieldsAsync(api.MaskCheckAsync("0xzz", "")));
        Assert.Equal(["mode"], await VfioApi.InvalidFieldsAsync(api.DefineAsync("sometimes")));
    }

    [Fact]
    public async Task Should_show_the_matrix_as_sysfs_does()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "4-5", "4", "4"));
        await api.UntilAppliedAsync(4);
        await api.MdevAsync("m1", [4, 5, 6], [4]);
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "assign-control-domain", 4));

        Assert.Equal("04.0004\n05.0004\n06.0004\n", await api.SysfsAsync("m1", "matrix"));
        Assert.Equal("04.0004\n05.0004\n", await api.SysfsAsync("m1", "guest_matrix"));
        Assert.Equal("0004\n", await api.SysfsAsync("m1", "control_domains"));
    }

    [Fact]
    public async Task Should_see_each_update_acknowledged_by_the_guest()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "4-5", "4", ""));
        await api.UntilAppliedAsync(4);
        await api.MdevAsync("m1", [4], [4], guest: "g1");
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "assign-adapter", 5));

        await Eventually.TrueAsync(async () => (await api.GuestsAsync())[0].GetProperty("acknowledgedVersion").GetInt64() >= 2,
            "GuestVm to acknowledge version 2");
        var guest = (await api.GuestsAsync())[0];
        Assert.Equal("m1", guest.GetProperty("mdev").GetString());
        Assert.Equal(2, guest.GetProperty("version").GetInt64());
        Assert.Equal(2, guest.GetProperty("acknowledgedVersion").GetInt64());
    }

    [Fact]
    public async Task Should_replace_the_whole_matrix_in_one_ap_config_write()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "4-6", "4-5", "4"));
        await api.UntilAppliedAsync(4);
        await api.MdevAsync("m1", [4, 5], [4], guest: "g1");
        using var http = stack.Client(stack.VfioAp);

        var written = await http.PutAsJsonAsync($"{api.Host}/mdevs/m1/ap_config", new { apm = "0x06", aqm = "4-5", adm = "4" });
        await VfioApi.SucceedsAsync(Task.FromResult(written));

        Assert.Equal("05.0004\n05.0005\n06.0004\n06.0005\n", await api.SysfsAsync("m1", "guest_matrix"));
        Assert.StartsWith("0x06000000", await api.SysfsAsync("m1", "ap_config"));
        Assert.Equal(["adm"], await VfioApi.InvalidFieldsAsync(http.PutAsJsonAsync($"{api.Host}/mdevs/m1/ap_config", new { apm = "4", aqm = "4", adm = "4-" })));
    }
}
