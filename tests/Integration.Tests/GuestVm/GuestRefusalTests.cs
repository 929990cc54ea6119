using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Apmatrix.Integration.Tests.GuestVm;

[Collection("stack")]
public class Reading_an_unknown_guest(StackFixture stack)
{
    [Fact]
    public async Task Should_be_refused_as_not_found()
    {
        var host = Guests.NewHost();
        using var http = stack.Client(stack.GuestVm);

        using var refused = await http.GetAsync($"/hosts/{host}/guests/nobody");

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:apmatrix:error:not-found", problem.GetProperty("type").GetString());
        Assert.Equal("not-found", problem.GetProperty("kind").GetString());
        Assert.Equal("Not found", problem.GetProperty("title").GetString());
        Assert.Equal($"no guest nobody on host {host}", problem.GetProperty("detail").GetString());
    }
}
