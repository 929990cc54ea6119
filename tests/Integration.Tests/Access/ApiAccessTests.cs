using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Integration.Tests.VfioAp;

namespace Apmatrix.Integration.Tests.Access;

/// <summary>The running services as a caller meets them: who gets in, who may change what, and what stays open.</summary>
[Collection("stack")]
public class Calling_the_services(StackFixture stack)
{
    [Fact]
    public async Task Should_refuse_a_change_without_a_key_and_change_nothing()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await VfioApi.SucceedsAsync(api.CreateMdevAsync("m1"));
        using var anonymous = new VfioApi(stack.Client(stack.VfioAp, null), host);

        using var refused = await anonymous.AdminAsync("m1", "assign-adapter", 4);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("ApiKey", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("unauthenticated", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("kind").GetString());
        Assert.Equal("", (await api.SysfsAsync("m1", "matrix")).Trim());
        Assert.Equal("unauthenticated", await VfioApi.ProblemKindAsync(anonymous.DefineAsync("batched"), HttpStatusCode.Unauthorized));
        using var wrongKey = new VfioApi(stack.Client(stack.VfioAp, "not-a-key"), host);
        Assert.Equal("unauthenticated", await VfioApi.ProblemKindAsync(wrongKey.AdminAsync("m1", "assign-adapter", 4), HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Should_let_a_viewer_read_but_not_change_and_an_operator_do_both()
    {
        var host = VfioApi.NewHost();
        using var viewer = new VfioApi(stack.Client(stack.VfioAp, stack.ViewerKey), host);
        using var @operator = new VfioApi(stack.Client(stack.VfioAp), host);

        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(viewer.DefineAsync("batched"), HttpStatusCode.Forbidden));
        await VfioApi.SucceedsAsync(@operator.DefineAsync("batched"));
        await @operator.MdevAsync("m1", [4], [5]);
        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(viewer.AdminAsync("m1", "assign-adapter", 6), HttpStatusCode.Forbidden));
        Assert.Equal("04.0005", (await viewer.SysfsAsync("m1", "matrix")).Trim());
        Assert.Equal("batched", (await viewer.GetAsync()).GetProperty("mode").GetString());
        using var guestVm = stack.Client(stack.GuestVm, stack.ViewerKey);
        using var refused = await guestVm.PutAsJsonAsync($"/hosts/{host}/guests/g1", new { vcpus = 2 });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var apBus = stack.Client(stack.ApBus, stack.ViewerKey);
        using var refusedScan = await apBus.PostAsync($"/hosts/{host}/scan-complete", null);
        Assert.Equal(HttpStatusCode.Forbidden, refusedScan.StatusCode);
    }

    [Fact]
    public async Task Should_let_a_service_key_call_only_what_its_service_needs()
    {
        var host = VfioApi.NewHost();
        using var asApBus = new VfioApi(stack.Client(stack.VfioAp, stack.Keys.ApBus), host);
        using var @operator = new VfioApi(stack.Client(stack.VfioAp), host);
        await VfioApi.SucceedsAsync(@operator.DefineAsync("batched"));
        await VfioApi.SucceedsAsync(@operator.CreateMdevAsync("m1"));

        Assert.Equal(HttpStatusCode.NoContent, (await asApBus.MaskCheckAsync("4", "4")).StatusCode);
        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(asApBus.AdminAsync("m1", "assign-adapter", 4), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(asApBus.DefineAsync("per-queue"), HttpStatusCode.Forbidden));
        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(asApBus.RemoveMdevAsync("m1"), HttpStatusCode.Forbidden));
        using var reading = await stack.Client(stack.VfioAp, stack.Keys.ApBus).GetAsync(asApBus.Host);
        Assert.Equal(HttpStatusCode.Forbidden, reading.StatusCode);
        // ApBus does not admit its own key, nor VfioAp's key for a change.
        using var ownService = await stack.Client(stack.ApBus, stack.Keys.ApBus).PostAsync($"{asApBus.Host}/scan-complete", null);
        Assert.Equal(HttpStatusCode.Unauthorized, ownService.StatusCode);
        using var asVfioAp = stack.Client(stack.ApBus, stack.Keys.VfioAp);
        using var snapshot = await asVfioAp.GetAsync($"{asApBus.Host}/snapshot");
        Assert.Equal(HttpStatusCode.NotFound, snapshot.StatusCode);
        using var change = await asVfioAp.PostAsync($"{asApBus.Host}/scan-complete", null);
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        // Reconciliation reads the snapshot only: the bus's own view is a person's.
        using var bus = await asVfioAp.GetAsync(asApBus.Host);
        Assert.Equal(HttpStatusCode.Forbidden, bus.StatusCode);
        Assert.Equal("", (await @operator.SysfsAsync("m1", "matrix")).Trim());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Should_answer_health_to_anyone_for_get_and_head_only(string path)
    {
        foreach (var service in new[] { stack.ApBus, stack.VfioAp, stack.GuestVm })
        {
            using var http = stack.Client(service, null);
            foreach (var method in new[] { "GET", "HEAD" })
            {
                using var answer = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
                Assert.Contains(answer.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
            }
            foreach (var method in new[] { "TRACE", "PUT", "POST", "DELETE" })
            {
                using var refused = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
                Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
            }
        }
    }
}
