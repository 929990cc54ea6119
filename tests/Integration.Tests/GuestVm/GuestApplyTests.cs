using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Integration.Tests.ApBus;

namespace Apmatrix.Integration.Tests.GuestVm;

static class Guests
{
    public static string NewHost() => $"it-guest-{Guid.NewGuid():N}";

    /// <summary>One guest's update, alone in its message.</summary>
    public static ApplyApcbs Apcb(string host, string guest, long version, string apm, string aqm = "4-5", string adm = "4") =>
        new(host, [new(guest, version, Hex(apm), Hex(aqm), Hex(adm), "m1")]);

    /// <summary>Each acknowledgement in the tapped ApcbsApplied messages.</summary>
    public static IEnumerable<JsonElement> Acks(IEnumerable<Tapped> messages) =>
        messages.SelectMany(m => m.Message.GetProperty("guests").EnumerateArray());

    /// <summary>The envelope MassTransit's serializer writes, so a raw publish reaches the consumer like VfioAp's would.</summary>
    public static string Envelope(ApplyApcbs command) => JsonSerializer.Serialize(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { "urn:message:Apmatrix.Contracts:ApplyApcbs" },
        message = command,
    }, new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static Task PublishAsync(this RawBroker vfioAp, ApplyApcbs command) =>
        vfioAp.PublishRawAsync(ExchangeTap.Exchange(nameof(ApplyApcbs)), "", Envelope(command));

    /// <summary>A connection as VfioAp's broker user, the only one GuestVm takes <see cref="ApplyApcbs"/> from.</summary>
    public static Task<RawBroker> VfioApAsync(ServerFixture servers) => RawBroker.OpenAsync(servers, "vfioap");

    /// <summary>The guest once GuestVm holds <paramref name="version"/> or later; it appears with its first update.</summary>
    public static Task<JsonElement> UntilVersionAsync(HttpClient http, string path, long version) =>
        Eventually.ReadAsync(async () =>
            {
                using var response = await http.GetAsync(path);
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            },
            guest => guest.ValueKind == JsonValueKind.Object && guest.GetProperty("version").GetInt64() >= version, $"{path} to reach version {version}",
            describe: guest => guest.ValueKind == JsonValueKind.Undefined ? "no such guest yet" : guest.ToString());

    static string Hex(string rangeList) => Bitmap256.ParseRangeList(rangeList).ToMsb0Hex();
}

[Collection("stack")]
public class Applying_apcbs_out_of_order(StackFixture stack)
{
    [Fact]
    public async Task Should_apply_each_version_once_in_order()
    {
        var host = Guests.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, nameof(ApcbsApplied));
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        using var http = stack.Client(stack.GuestVm);
        (await http.PutAsJsonAsync($"/hosts/{host}/guests/g1", new { vcpus = 2, format = "Apcb1" })).EnsureSuccessStatusCode();

        foreach (var version in new[] { 3, 5, 1, 2, 2, 4, 1 })
            await vfioAp.PublishAsync(Guests.Apcb(host, "g1", version, $"4,{10 + version}"));
        var guest = await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/g1", 5);

        Assert.Equal(5, guest.GetProperty("updates").GetInt64());
        Assert.Equal("4,15", guest.GetProperty("apm").GetString());
        var history = guest.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal([5, 4, 3, 2, 1], history.Select(h => h.GetProperty("version").GetInt64()));
        Assert.Equal(["4,15", "4,14", "4,13", "4,12", "4,11"], history.Select(h => h.GetProperty("apm").GetString()));
        Assert.All(history, h => Assert.True(h.GetProperty("suspendedMilliseconds").GetDouble() > 0));

        await vfioAp.PublishAsync(Guests.Apcb(host, "g1", 2, "4,12"));
        var acks = Guests.Acks(await tap.UntilAsync(host, acks => Guests.Acks(acks).Any(a => a.GetProperty("duplicate").GetBoolean()))).ToList();
        Assert.Equal([1, 2, 3, 4, 5], acks.Where(a => !a.GetProperty("duplicate").GetBoolean())
            .Select(a => a.GetProperty("version").GetInt64()).Distinct().Order());
        Assert.Equal(5, (await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests/g1")).GetProperty("updates").GetInt64());
    }

    [Fact]
    public async Task Should_list_each_guests_newest_history_only_as_asked()
    {
        var host = Guests.NewHost();
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        using var http = stack.Client(stack.GuestVm);
        foreach (var version in Enumerable.Range(1, 5)) await vfioAp.PublishAsync(Guests.Apcb(host, "g1", version, $"{version}"));
        foreach (var version in Enumerable.Range(1, 2)) await vfioAp.PublishAsync(Guests.Apcb(host, "g2", version, $"{version}"));
        await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/g1", 5);
        await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/g2", 2);

        var three = await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests?history=3");
        var all = await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests?history=all");
        var none = await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests");

        Assert.Equal([[5L, 4, 3], [2L, 1]], Versions(three));
        Assert.Equal([[5L, 4, 3, 2, 1], [2L, 1]], Versions(all));
        Assert.Equal([[], []], Versions(none));
        Assert.Equal(["5", "4", "3"], three[0].GetProperty("history").EnumerateArray().Select(h => h.GetProperty("apm").GetString()));

        static List<List<long>> Versions(JsonElement guests) =>
            guests.EnumerateArray().Select(g => g.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("version").GetInt64()).ToList()).ToList();
    }

    [Fact]
    public async Task Should_create_an_unknown_guest_with_the_defaults_and_truncate_for_apcb0()
    {
        var host = Guests.NewHost();
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        using var http = stack.Client(stack.GuestVm);
        (await http.PutAsJsonAsync($"/hosts/{host}/guests/small", new { vcpus = 1, format = "Apcb0" })).EnsureSuccessStatusCode();

        await vfioAp.PublishAsync(Guests.Apcb(host, "new", 1, "4,70", "4,20", "5,200"));
        await vfioAp.PublishAsync(Guests.Apcb(host, "small", 1, "4,70", "4,20", "5,200"));
        var created = await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/new", 1);
        var small = await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/small", 1);

        Assert.Equal(4, created.GetProperty("vcpus").GetInt32());
        Assert.Equal("Apcb1", created.GetProperty("format").GetString());
        Assert.Equal("4,70", created.GetProperty("apm").GetString());
        Assert.Equal(256, created.GetProperty("crycb").GetString()!.Length);
        Assert.Equal(["4", "4", "5"], new[] { "apm", "aqm", "adm" }.Select(m => small.GetProperty(m).GetString()));
        Assert.Equal("0800000000000000" + "0800000000000000" + "0400000000000000" + "0000000000000000", small.GetProperty("crycb").GetString());
        var listed = await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests");
        Assert.Equal(["new", "small"], listed.EnumerateArray().Select(g => g.GetProperty("guest").GetString()));
    }
}

[Collection("stack")]
public class A_malformed_apply_apcb(StackFixture stack)
{
    [Fact]
    public async Task Should_land_in_the_error_queue_while_the_service_keeps_applying()
    {
        var host = Guests.NewHost();
        var queue = $"{stack.QueuePrefix}apply-apcbs";
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        using var http = stack.Client(stack.GuestVm);

        var exchange = ExchangeTap.Exchange(nameof(ApplyApcbs));
        await vfioAp.PublishRawAsync(exchange, "", $"not json at all {host}");
        var badMask = new ApplyApcbs(host, [Guests.Apcb(host, "g1", 1, "4").Guests[0] with { Apm = "0xZZ" }]);
        await vfioAp.PublishRawAsync(exchange, "", Guests.Envelope(badMask));
        await vfioAp.PublishAsync(Guests.Apcb(host, "g1", 1, "7"));

        Assert.Equal("7", (await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/g1", 1)).GetProperty("apm").GetString());
        var errors = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            errors.AddRange(await vfioAp.DrainAsync($"{queue}_error"));
            return errors.Count(e => e.Contains(host)) >= 2;
        }, $"both bad messages about {host} in {queue}_error");
        Assert.Equal(2, errors.Count(e => e.Contains(host)));
    }
}

[Collection("stack")]
public class A_bad_guest_request(StackFixture stack)
{
    [Theory]
    [InlineData("""{"vcpus":0}""", "vcpus")]
    [InlineData("""{"vcpus":249,"format":"Apcb1"}""", "vcpus")]
    [InlineData("""{"vcpus":"many"}""", "vcpus")]
    [InlineData("""{"format":"Apcb2"}""", "format")]
    [InlineData("""{"vcpus":2""", "body")]
    public async Task Should_name_the_field(string body, string field)
    {
        using var http = stack.Client(stack.GuestVm);
        using var response = await http.PutAsync($"/hosts/{Guests.NewHost()}/guests/g1",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Should_keep_the_crycb_format_of_a_guest_holding_an_apcb()
    {
        var host = Guests.NewHost();
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        using var http = stack.Client(stack.GuestVm);
        await vfioAp.PublishAsync(Guests.Apcb(host, "g1", 1, "4"));
        await Guests.UntilVersionAsync(http, $"/hosts/{host}/guests/g1", 1);

        using var refused = await http.PutAsJsonAsync($"/hosts/{host}/guests/g1", new { vcpus = 2, format = "Apcb0" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("conflict", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("kind").GetString());
        using var resized = await http.PutAsJsonAsync($"/hosts/{host}/guests/g1", new { vcpus = 8, format = "Apcb1" });
        Assert.Equal(8, (await resized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("vcpus").GetInt32());
        using var unknown = await http.GetAsync($"/hosts/{host}/guests/nobody");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}

/// <summary>A guest's definition: what a PUT leaves out stays as it was.</summary>
[Collection("stack")]
public class Defining_a_guest(StackFixture stack)
{
    [Fact]
    public async Task Should_keep_what_a_definition_leaves_out()
    {
        var host = Guests.NewHost();
        using var http = stack.Client(stack.GuestVm);
        async Task<(int, string)> DefineAsync(object body)
        {
            using var answer = await http.PutAsJsonAsync($"/hosts/{host}/guests/g1", body);
            var guest = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(answer.IsSuccessStatusCode, guest.ToString());
            return (guest.GetProperty("vcpus").GetInt32(), guest.GetProperty("format").GetString()!);
        }

        Assert.Equal((4, "Apcb1"), await DefineAsync(new { }));
        Assert.Equal((2, "Apcb0"), await DefineAsync(new { vcpus = 2, format = "Apcb0" }));
        Assert.Equal((6, "Apcb0"), await DefineAsync(new { vcpus = 6 }));
        Assert.Equal((6, "Apcb1"), await DefineAsync(new { format = "apcb1" }));
        Assert.Equal((6, "Apcb1"), await DefineAsync(new { }));
    }
}
