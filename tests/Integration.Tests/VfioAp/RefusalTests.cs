using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.VfioAp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.Integration.Tests.VfioAp;

[Collection("stack")]
public class Assigning_a_reserved_queue(StackFixture stack)
{
    [Fact]
    public async Task Should_be_refused_with_the_whole_problem_and_change_nothing()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var reserved = Bitmap256.ParseRangeList("4").ToMsb0Hex();
        await bus.PublishAsync(new BusMasksChanged(host, 1, reserved, reserved));
        await api.UntilAppliedAsync(1);
        await api.MdevAsync("m1", [4], []);

        using var refused = await api.AdminAsync("m1", "assign-domain", 4);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:apmatrix:error:reserved", problem.GetProperty("type").GetString());
        Assert.Equal("Reserved for the host's default drivers", problem.GetProperty("title").GetString());
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        Assert.Equal("reserved", problem.GetProperty("kind").GetString());
        Assert.Contains("04.0004", problem.GetProperty("detail").GetString());
        using var http = stack.Client(stack.VfioAp);
        var mdev = await http.GetFromJsonAsync<JsonElement>($"{api.Host}/mdevs/m1");
        Assert.Equal("", mdev.GetProperty("assigned").GetProperty("aqm").GetString());
    }
}

[Collection("stack")]
public class A_refused_id(StackFixture stack)
{
    [Fact]
    public async Task Should_be_a_bad_request_naming_the_id()
    {
        using var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await api.MdevAsync("m1", [], []);

        foreach (var (op, id, kind) in new (string, object, string)[]
                 { ("assign-adapter", -1, "invalid"), ("assign-domain", "abc", "invalid"), ("unassign-control-domain", 300, "out-of-range") })
        {
            using var refused = await api.AdminAsync("m1", op, id);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(kind, problem.GetProperty("kind").GetString());
            Assert.Equal(problem.GetProperty("detail").GetString(), Assert.Single(problem.GetProperty("errors").GetProperty("id").EnumerateArray()).GetString());
        }
    }
}

public class Every_engine_refusal_kind
{
    /// <summary>An engine kind VfioAp does not register would answer 500: each must be a 4xx named as scenario files name it.</summary>
    [Fact]
    public async Task Should_have_its_problem_in_vfio_ap()
    {
        await using var app = VfioApApp.Build(["--ConnectionStrings:Postgres=Host=127.0.0.1", "--ConnectionStrings:RabbitMq=amqp://127.0.0.1/"]);
        var refusals = app.Services.GetRequiredService<IOptions<Refusals>>().Value;

        foreach (var kind in Enum.GetValues<MatrixErrorKind>())
        {
            var problem = refusals.ProblemFor(new MatrixException(kind, "refused"));
            Assert.NotNull(problem);
            Assert.Equal(MatrixException.Name(kind), problem.Extensions["kind"]);
            Assert.Equal($"urn:apmatrix:error:{MatrixException.Name(kind)}", problem.Type);
            Assert.InRange(problem.Status ?? 0, 400, 499);
        }
    }
}
