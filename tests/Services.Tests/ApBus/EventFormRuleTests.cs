using Apmatrix.Contracts;
using Apmatrix.ApBus.Http;
using Apmatrix.Hosting;

namespace Apmatrix.Services.Tests.ApBus;

public class EventFormRuleTests
{
    [Theory]
    [InlineData(null, BusEventForm.Grouped)]
    [InlineData("grouped", BusEventForm.Grouped)]
    [InlineData("per-queue", BusEventForm.PerQueue)]
    public void Should_read_a_known_form_and_default_to_grouped(string? text, BusEventForm form)
    {
        var errors = new RequestErrors();
        Assert.Equal(form, errors.EventForm("eventForm", text));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Grouped")]
    [InlineData("perqueue")]
    [InlineData("batched")]
    public void Should_refuse_any_other_form(string text)
    {
        var errors = new RequestErrors();
        Assert.Equal(BusEventForm.Grouped, errors.EventForm("eventForm", text));
        Assert.Equal(["eventForm"], errors.Problem().ProblemDetails.Errors.Keys);
    }

    [Theory]
    [InlineData(BusEventForm.Grouped)]
    [InlineData(BusEventForm.PerQueue)]
    public void Should_read_back_the_name_it_shows(BusEventForm form)
    {
        Assert.True(BusEventForms.TryParse(BusEventForms.Name(form), out var read));
        Assert.Equal(form, read);
    }
}
