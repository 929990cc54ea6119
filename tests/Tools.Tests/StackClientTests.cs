using System.Net;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Tools.Tests;

/// <summary>The scenario runner's and the load tool's client: a service too busy for the request is asked again when it says.</summary>
public sealed class StackClientTests
{
    [Fact]
    public async Task Should_send_again_after_retry_after_while_the_service_is_too_busy()
    {
        var busy = 2;
        using var service = new FakeService((_, _, _) => Interlocked.Decrement(ref busy) >= 0
            ? (429, """{"kind": "too-many-requests", "title": "Too many requests", "status": 429}""")
            : (200, """{"host": "h", "lastSequence": 7}"""), retryAfterSeconds: 1);
        using var client = new StackClient(service.Url, "key");

        var answer = await client.SendAsync(HttpMethod.Put, "/hosts/h", new { mode = "batched" }, CancellationToken.None);

        Assert.Equal(7, answer.GetProperty("lastSequence").GetInt64());
        Assert.Equal(Enumerable.Repeat("""PUT /hosts/h {"mode":"batched"}""", 3), service.Requests);
        Assert.Equal(2, client.BusyAnswers);
    }

    [Fact]
    public async Task Should_not_send_again_a_refusal_that_names_no_time()
    {
        using var service = new FakeService((_, _, _) => (429, """{"title": "Too many requests", "status": 429}"""));
        using var client = new StackClient(service.Url, "key");

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/hosts/h", CancellationToken.None));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Single(service.Requests);
    }
}
