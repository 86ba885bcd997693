/* The baseline of the start-up benchmark: a C program that does nothing. */
int main(void) { return 0; }
