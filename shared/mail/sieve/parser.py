"""The RFC 5228 grammar (§8.2) over the lexer's tokens:

    commands   = *(command / comment)
    command    = identifier arguments (";" / block)
    block      = "{" commands "}"
    arguments  = *argument [test / test-list]
    argument   = string-list / number / tag
    string-list = "[" string *("," string) "]" / string
    test-list  = "(" test *("," test) ")"
    test       = identifier arguments

Hash comments inside command lists become `Comment` nodes; elsewhere they are skipped.
Only `if` and `elsif` take a test, and only `if`, `elsif` and `else` a block: anything
else is reported as a syntax error (usually a missing `;`). Tests inside tests and blocks
inside blocks nest at most `MAX_NESTING` deep (RFC 5228 sets no limit; this one keeps the
recursive descent, and what reads its tree, far from the interpreter's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.mail.sieve.lexer import Kind, SieveSyntaxError, Token, tokenize


@dataclass
class Tag:
    name: str  # without the colon, lower case
    line: int


@dataclass
class Number:
    value: int
    line: int


@dataclass
class StringList:
    values: list[str]
    line: int
    bracketed: bool = False  # written as [..] rather than one string


Argument = Tag | Number | StringList


@dataclass
class Test:
    name: str
    arguments: list[Argument]
    tests: list[Test]
    line: int


@dataclass
class Comment:
    text: str
    line: int


@dataclass
class Command:
    name: str
    arguments: list[Argument]
    tests: list[Test]
    line: int
    block: list[Command | Comment] | None = field(default=None)


Node = Command | Comment

MAX_NESTING = 32
_WITH_TEST = frozenset({"if", "elsif"})
_WITH_BLOCK = frozenset({"if", "elsif", "else"})


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0  # tests and blocks open around the current token

    def enter(self, token: Token) -> None:
        if self.depth == MAX_NESTING:
            raise SieveSyntaxError(token.line, f"tests and blocks nest at most {MAX_NESTING} deep")
        self.depth += 1

    def peek(self, skip_comments: bool = True) -> Token:
        if skip_comments:
            while self.tokens[self.pos].kind is Kind.COMMENT:
                self.pos += 1
        return self.tokens[self.pos]

    def next(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def is_punct(self, ch: str) -> bool:
        token = self.peek()
        return token.kind is Kind.PUNCT and token.value == ch

    def expect(self, ch: str, context: str) -> Token:
        token = self.next()
        if token.kind is not Kind.PUNCT or token.value != ch:
            raise SieveSyntaxError(token.line, f"expected '{ch}' {context}, found {_show(token)}")
        return token

    def commands(self, in_block: bool) -> list[Node]:
        nodes: list[Node] = []
        while True:
            token = self.peek(skip_comments=False)
            if token.kind is Kind.COMMENT:
                nodes.append(Comment(token.value, token.line))
                self.pos += 1
                continue
            if token.kind is Kind.END:
                if in_block:
                    raise SieveSyntaxError(token.line, "missing '}' at end of script")
                return nodes
            if token.kind is Kind.PUNCT and token.value == "}":
                if not in_block:
                    raise SieveSyntaxError(token.line, "unexpected '}'")
                return nodes
            nodes.append(self.command())

    def command(self) -> Command:
        token = self.next()
        if token.kind is not Kind.IDENT:
            raise SieveSyntaxError(token.line, f"expected a command, found {_show(token)}")
        arguments, tests = self.arguments()
        name = token.value
        if tests and name not in _WITH_TEST:
            raise SieveSyntaxError(
                tests[0].line, f"expected ';' after {name}, found {tests[0].name!r}"
            )
        if name in _WITH_TEST and not tests:
            raise SieveSyntaxError(token.line, f"{name} needs a test")
        if name in _WITH_BLOCK:
            self.enter(self.expect("{", f"to open the block of {name}"))
            block = self.commands(in_block=True)
            self.expect("}", f"to close the block of {name}")
            self.depth -= 1
            return Command(name, arguments, tests, token.line, block)
        self.expect(";", f"after {name}")
        return Command(name, arguments, tests, token.line)

    def arguments(self) -> tuple[list[Argument], list[Test]]:
        arguments: list[Argument] = []
        while True:
            token = self.peek()
            if token.kind is Kind.TAG:
                self.pos += 1
                arguments.append(Tag(token.value, token.line))
            elif token.kind is Kind.NUMBER:
                self.pos += 1
                arguments.append(Number(int(token.value), token.line))
            elif token.kind is Kind.STRING:
                self.pos += 1
                arguments.append(StringList([token.value], token.line))
            elif self.is_punct("["):
                arguments.append(self.string_list())
            else:
                break
        if self.peek().kind is Kind.IDENT:
            return arguments, [self.test()]
        if self.is_punct("("):
            self.pos += 1
            tests = [self.test()]
            while self.is_punct(","):
                self.pos += 1
                tests.append(self.test())
            self.expect(")", "to close the test list")
            return arguments, tests
        return arguments, []

    def string_list(self) -> StringList:
        start = self.expect("[", "to open a string list")
        values: list[str] = []
        while True:
            token = self.next()
            if token.kind is not Kind.STRING:
                raise SieveSyntaxError(token.line, f"expected a string, found {_show(token)}")
            values.append(token.value)
            if self.is_punct(","):
                self.pos += 1
                continue
            self.expect("]", "to close the string list")
            return StringList(values, start.line, bracketed=True)

    def test(self) -> Test:
        token = self.next()
        if token.kind is not Kind.IDENT:
            raise SieveSyntaxError(token.line, f"expected a test, found {_show(token)}")
        self.enter(token)
        arguments, tests = self.arguments()
        self.depth -= 1
        return Test(token.value, arguments, tests, token.line)


def _show(token: Token) -> str:
    if token.kind is Kind.END:
        return "end of script"
    if token.kind is Kind.STRING:
        return "a string"
    if token.kind is Kind.TAG:
        return f"':{token.value}'"
    return f"'{token.value}'"


def parse(script: str) -> list[Node]:
    """The top-level commands and comments of `script`. Raises SieveSyntaxError."""
    return _Parser(tokenize(script)).commands(in_block=False)
