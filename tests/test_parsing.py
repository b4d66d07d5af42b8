"""Our Gemma 4 output parser on literal Gemma 4 output strings."""

from docintel.models.parsing import ToolCall, format_tool_call, parse_output

Q = '<|"|>'


def test_thinking_is_split_from_the_answer():
    out = parse_output("<|channel>thought\nThe total is 3 x 40.<channel|>The total is 120.<turn|>")
    assert out.thinking == "The total is 3 x 40."
    assert out.text == "The total is 120."
    assert not out.errors and not out.thinking_truncated


def test_plain_answer_without_thinking():
    out = parse_output("Invoice INV-1 from Acme.<eos><pad><pad>")
    assert out.thinking is None and out.text == "Invoice INV-1 from Acme."


def test_one_tool_call_with_gemma_strings():
    raw = (
        f"<|tool_call>call:retrieve_knowledge{{query:{Q}total due, in EUR{Q},top_k:3}}<tool_call|>"
    )
    out = parse_output(raw)
    assert out.tool_calls == [
        ToolCall("retrieve_knowledge", {"query": "total due, in EUR", "top_k": 3})
    ]
    assert out.text == ""


def test_several_calls_in_one_turn_with_nested_arguments():
    raw = (
        "<|channel>thought\nSearch first, then write.<channel|>"
        f"<|tool_call>call:retrieve_knowledge{{query:{Q}supplier{Q}}}<tool_call|>"
        f"<|tool_call>call:write_structured_output{{entities:[{{name:{Q}Acme GmbH{Q},"
        f"type:{Q}organization{Q},pages:[1,2]}}],relationships:[],summary:{Q}An invoice: "
        f"{{not json}} [brackets]{Q},confidence:0.75,final:true,note:null}}<tool_call|><turn|>"
    )
    out = parse_output(raw)
    assert [c.name for c in out.tool_calls] == ["retrieve_knowledge", "write_structured_output"]
    args = out.tool_calls[1].arguments
    assert args["entities"] == [{"name": "Acme GmbH", "type": "organization", "pages": [1, 2]}]
    assert args["summary"] == "An invoice: {not json} [brackets]"
    assert args["confidence"] == 0.75 and args["final"] is True and args["note"] is None
    assert out.thinking == "Search first, then write."


def test_output_cut_off_mid_thought():
    out = parse_output("<|channel>thought\nFirst I need to compare the two amounts and")
    assert out.thinking_truncated
    assert out.thinking.startswith("First I need")
    assert out.text == ""
    assert out.errors[0].what == "thinking"


def test_malformed_arguments_are_an_error_not_an_exception():
    cases = [
        f"<|tool_call>call:retrieve_knowledge{{query:{Q}unterminated}}<tool_call|>",
        "<|tool_call>call:retrieve_knowledge{query:}<tool_call|>",
        "<|tool_call>call:retrieve_knowledge{query 3}<tool_call|>",
        "<|tool_call>retrieve_knowledge(query='x')<tool_call|>",
        f"<|tool_call>call:retrieve_knowledge[{Q}x{Q}]<tool_call|>",
        f"<|tool_call>call:retrieve_knowledge{{query:{Q}x{Q}}}",  # never closed
    ]
    for raw in cases:
        out = parse_output("Let me look. " + raw)
        assert out.tool_calls == [], raw
        assert out.errors and out.errors[0].what == "tool_call", raw
        assert out.text.startswith("Let me look.")


def test_good_call_survives_a_bad_neighbour():
    raw = f"<|tool_call>call:a{{x:{Q}ok{Q}}}<tool_call|><|tool_call>call:b{{x:}}<tool_call|>"
    out = parse_output(raw)
    assert [c.name for c in out.tool_calls] == ["a"] and len(out.errors) == 1


def test_json_style_arguments_are_accepted_too():
    out = parse_output(
        '<|tool_call>call:f{"query": "a \\"quoted\\" word", "k": -2.5e1}<tool_call|>'
    )
    assert out.tool_calls[0].arguments == {"query": 'a "quoted" word', "k": -25.0}


def test_format_and_parse_round_trip():
    call = ToolCall(
        "write_structured_output", {"summary": "x, y", "entities": [{"n": 1}], "ok": False}
    )
    assert parse_output(format_tool_call(call)).tool_calls == [call]
